using System.Data.Common;
using Capstan.Testing;

namespace Capstan.State.Tests;

public abstract partial class StateStoreContract
{
    [Fact]
    public async Task CreateToken_ThenFindByHash_ReturnsIt()
    {
        var token = NewToken("tok_1", "ci", "capstan_s3cr3t");
        await Store.Tokens.CreateAsync(token, Ct).DefaultTimeout();

        (await Store.Tokens.FindByHashAsync(TokenHash("capstan_s3cr3t"), Ct).DefaultTimeout()).ShouldBe(token);
        (await Store.Tokens.FindByHashAsync(TokenHash("capstan_other"), Ct).DefaultTimeout()).ShouldBeNull();
    }

    [Fact]
    public async Task CreateToken_WithTheNameOfAnActiveOne_FailsNamingIt_AndKeepsTheFirst()
    {
        var first = NewToken("tok_1", "ci");
        await Store.Tokens.CreateAsync(first, Ct).DefaultTimeout();

        var error = await Should.ThrowAsync<StateStoreException>(() => Store.Tokens.CreateAsync(NewToken("tok_2", "ci"), Ct).DefaultTimeout());

        error.Message.ShouldBe("an API token named 'ci' already exists; revoke it first or choose another name");
        (await Store.Tokens.ListAsync(Ct).DefaultTimeout()).ShouldBe([first]);
    }

    [Fact]
    public async Task CreateToken_WithATakenName_InsideATransaction_LeavesTheTransactionUsable()
    {
        await Store.Tokens.CreateAsync(NewToken("tok_1", "ci"), Ct).DefaultTimeout();

        await Store.InTransactionAsync(
            async (session, ct) =>
            {
                await Should.ThrowAsync<StateStoreException>(() => session.Tokens.CreateAsync(NewToken("tok_2", "ci"), ct));
                await session.Tokens.CreateAsync(NewToken("tok_3", "deploy"), ct);
            },
            Ct).DefaultTimeout();

        (await Store.Tokens.ListAsync(Ct).DefaultTimeout()).Select(t => t.Name).ShouldBe(["ci", "deploy"]);
    }

    [Fact]
    public async Task CreateToken_ByManyAtOnceWithOneName_LetsExactlyOneWin()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(
            async () =>
            {
                try
                {
                    await Store.Tokens.CreateAsync(NewToken($"tok_{i}", "ci"), Ct);
                    return true;
                }
                catch (StateStoreException)
                {
                    return false;
                }
            },
            Ct))).DefaultTimeout();

        results.Count(created => created).ShouldBe(1);
        (await Store.Tokens.ListAsync(Ct).DefaultTimeout()).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task CreateToken_WithATakenHash_Fails()
    {
        await Store.Tokens.CreateAsync(NewToken("tok_1", "ci", "capstan_same"), Ct).DefaultTimeout();

        await Should.ThrowAsync<DbException>(() => Store.Tokens.CreateAsync(NewToken("tok_2", "deploy", "capstan_same"), Ct).DefaultTimeout());
    }

    [Theory]
    [InlineData("capstan_the-token-itself")]
    [InlineData("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855")]
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85")]
    public async Task Tokens_WithAHashThatIsNotALowercaseSha256_AreRefused(string hash)
    {
        await Should.ThrowAsync<ArgumentException>(() => Store.Tokens.CreateAsync(NewToken("tok_1", "ci") with { Hash = hash }, Ct).DefaultTimeout());
        await Should.ThrowAsync<ArgumentException>(() => Store.Tokens.FindByHashAsync(hash, Ct).DefaultTimeout());

        (await Store.Tokens.ListAsync(Ct).DefaultTimeout()).ShouldBeEmpty();
    }

    [Fact]
    public async Task RevokeToken_HidesItFromFindByHash_KeepsItListed_AndFreesItsName()
    {
        await Store.Tokens.CreateAsync(NewToken("tok_1", "ci", "capstan_old"), Ct).DefaultTimeout();

        (await Store.Tokens.RevokeAsync("ci", At(5), Ct).DefaultTimeout()).ShouldBeTrue();

        (await Store.Tokens.FindByHashAsync(TokenHash("capstan_old"), Ct).DefaultTimeout()).ShouldBeNull();
        (await Store.Tokens.RevokeAsync("ci", At(6), Ct).DefaultTimeout()).ShouldBeFalse();
        (await Store.Tokens.RevokeAsync("nobody", At(6), Ct).DefaultTimeout()).ShouldBeFalse();

        var renewed = NewToken("tok_2", "ci", "capstan_new", minute: 7);
        await Store.Tokens.CreateAsync(renewed, Ct).DefaultTimeout();
        (await Store.Tokens.FindByHashAsync(TokenHash("capstan_new"), Ct).DefaultTimeout()).ShouldBe(renewed);
        (await Store.Tokens.ListAsync(Ct).DefaultTimeout()).Select(t => (t.Id, t.RevokedAt)).ShouldBe([("tok_1", (DateTimeOffset?)At(5)), ("tok_2", null)]);
    }

    [Fact]
    public async Task ListTokens_OldestFirst()
    {
        await Store.Tokens.CreateAsync(NewToken("tok_b", "deploy", minute: 2), Ct).DefaultTimeout();
        await Store.Tokens.CreateAsync(NewToken("tok_a", "ci", minute: 1), Ct).DefaultTimeout();

        (await Store.Tokens.ListAsync(Ct).DefaultTimeout()).Select(t => t.Name).ShouldBe(["ci", "deploy"]);
    }

    [Fact]
    public async Task TouchToken_RecordsTheLastUse_AndNeverMovesItBack()
    {
        await Store.Tokens.CreateAsync(NewToken("tok_1", "ci", "capstan_t"), Ct).DefaultTimeout();

        await Store.Tokens.TouchAsync("tok_1", At(5), Ct).DefaultTimeout();
        (await Store.Tokens.FindByHashAsync(TokenHash("capstan_t"), Ct).DefaultTimeout()).ShouldNotBeNull().LastUsedAt.ShouldBe(At(5));

        await Store.Tokens.TouchAsync("tok_1", At(3), Ct).DefaultTimeout();
        (await Store.Tokens.FindByHashAsync(TokenHash("capstan_t"), Ct).DefaultTimeout()).ShouldNotBeNull().LastUsedAt.ShouldBe(At(5));

        await Store.Tokens.TouchAsync("tok_1", At(8), Ct).DefaultTimeout();
        await Store.Tokens.TouchAsync("tok_missing", At(9), Ct).DefaultTimeout();
        (await Store.Tokens.ListAsync(Ct).DefaultTimeout()).ShouldHaveSingleItem().LastUsedAt.ShouldBe(At(8));
    }

    [Fact]
    public async Task TokenRoles_RoundTripEveryValue()
    {
        foreach (var role in Enum.GetValues<ApiTokenRole>())
        {
            var token = NewToken($"tok_{role}".ToLowerInvariant(), role.ToString(), "capstan_" + role) with { Role = role };
            await Store.Tokens.CreateAsync(token, Ct).DefaultTimeout();

            (await Store.Tokens.FindByHashAsync(token.Hash, Ct).DefaultTimeout()).ShouldNotBeNull().Role.ShouldBe(role);
        }
    }

    [Fact]
    public async Task TokenRoles_AreStoredAsLowercaseNames()
    {
        await Store.Tokens.CreateAsync(NewToken("tok_1", "ci"), Ct).DefaultTimeout();

        (await ScalarSqlAsync(Store, "SELECT COUNT(*) FROM capstan_api_tokens WHERE role = 'admin'")).ShouldBe(1);
    }
}
