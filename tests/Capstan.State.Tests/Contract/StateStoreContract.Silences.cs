using Capstan.Testing;

namespace Capstan.State.Tests;

public abstract partial class StateStoreContract
{
    [Fact]
    public async Task AddSilence_ThenGet_RoundTripsTheMatchers()
    {
        var silence = NewSilence("sil_1") with
        {
            Matchers = new Dictionary<string, string> { ["service"] = "web", ["quote\"d"] = "ü ✓" },
        };

        await Store.Silences.AddAsync(silence, Ct).DefaultTimeout();

        var stored = (await Store.Silences.GetAsync("sil_1", Ct).DefaultTimeout()).ShouldNotBeNull();
        stored.ShouldBe(silence with { Matchers = stored.Matchers });
        stored.Matchers.OrderBy(p => p.Key, StringComparer.Ordinal).ShouldBe(silence.Matchers.OrderBy(p => p.Key, StringComparer.Ordinal));
        (await Store.Silences.GetAsync("sil_2", Ct).DefaultTimeout()).ShouldBeNull();
    }

    [Fact]
    public async Task AddSilence_WithoutMatchers_OrEndingBeforeItStarts_IsRefused()
    {
        var none = await Should.ThrowAsync<ArgumentException>(() => Store.Silences.AddAsync(
            NewSilence("sil_1") with { Matchers = new Dictionary<string, string>() }, Ct).DefaultTimeout());
        var backwards = await Should.ThrowAsync<ArgumentException>(() => Store.Silences.AddAsync(
            NewSilence("sil_1") with { EndsAt = T0 }, Ct).DefaultTimeout());

        none.Message.ShouldContain("needs at least one matcher");
        backwards.Message.ShouldContain("not after it starts");
        (await Store.Silences.ListAsync(null, 10, Ct).DefaultTimeout()).ShouldBeEmpty();
    }

    [Fact]
    public async Task ListActiveSilences_FromTheStartUntilTheEnd_ByApp()
    {
        await Store.Silences.AddAsync(NewSilence("sil_a", startMinute: 0, endMinute: 60), Ct).DefaultTimeout();
        await Store.Silences.AddAsync(NewSilence("sil_b", startMinute: 30, endMinute: 90), Ct).DefaultTimeout();
        await Store.Silences.AddAsync(NewSilence("sil_c", startMinute: 10, endMinute: 20, app: "blog"), Ct).DefaultTimeout();

        async Task<IEnumerable<string>> Active(string? app, int minute) =>
            (await Store.Silences.ListActiveAsync(app, At(minute), Ct).DefaultTimeout()).Select(s => s.Id);

        (await Active("shop", -1)).ShouldBeEmpty();
        (await Active("shop", 0)).ShouldBe(["sil_a"]);
        (await Active("shop", 30)).ShouldBe(["sil_a", "sil_b"]);
        (await Active("shop", 60)).ShouldBe(["sil_b"]);
        (await Active("shop", 90)).ShouldBeEmpty();
        (await Active(null, 15)).ShouldBe(["sil_a", "sil_c"]);
    }

    [Fact]
    public async Task ExpireSilence_EndsItAtThatTime_KeepsItForHistory_AndOnlyOnce()
    {
        await Store.Silences.AddAsync(NewSilence("sil_1", startMinute: 0, endMinute: 60), Ct).DefaultTimeout();
        await Store.Silences.AddAsync(NewSilence("sil_2", startMinute: 0, endMinute: 10), Ct).DefaultTimeout();

        (await Store.Silences.ExpireAsync("sil_1", At(20), Ct).DefaultTimeout()).ShouldBeTrue();

        (await Store.Silences.ListActiveAsync("shop", At(19), Ct).DefaultTimeout()).Select(s => s.Id).ShouldBe(["sil_1"]);
        (await Store.Silences.ListActiveAsync("shop", At(20), Ct).DefaultTimeout()).ShouldBeEmpty();
        var expired = (await Store.Silences.GetAsync("sil_1", Ct).DefaultTimeout()).ShouldNotBeNull();
        expired.ExpiredAt.ShouldBe(At(20));
        expired.IsActiveAt(At(19)).ShouldBeTrue();
        expired.IsActiveAt(At(20)).ShouldBeFalse();
        (await Store.Silences.ExpireAsync("sil_1", At(25), Ct).DefaultTimeout()).ShouldBeFalse();
        (await Store.Silences.ExpireAsync("sil_2", At(25), Ct).DefaultTimeout()).ShouldBeFalse();
        (await Store.Silences.ExpireAsync("sil_9", At(25), Ct).DefaultTimeout()).ShouldBeFalse();
        (await Store.Silences.GetAsync("sil_1", Ct).DefaultTimeout()).ShouldNotBeNull().ExpiredAt.ShouldBe(At(20));
        (await Store.Silences.GetAsync("sil_2", Ct).DefaultTimeout()).ShouldNotBeNull().ExpiredAt.ShouldBeNull();
    }

    [Fact]
    public async Task ExpireSilence_BeforeItStarts_MeansItNeverSilences()
    {
        await Store.Silences.AddAsync(NewSilence("sil_1", startMinute: 30, endMinute: 60), Ct).DefaultTimeout();

        (await Store.Silences.ExpireAsync("sil_1", At(10), Ct).DefaultTimeout()).ShouldBeTrue();

        (await Store.Silences.ListActiveAsync("shop", At(40), Ct).DefaultTimeout()).ShouldBeEmpty();
    }

    [Fact]
    public async Task ListSilences_NewestStartFirst_ExpiredIncluded_ByApp_AndLimited()
    {
        await Store.Silences.AddAsync(NewSilence("sil_a", startMinute: 0, endMinute: 5), Ct).DefaultTimeout();
        await Store.Silences.AddAsync(NewSilence("sil_b", startMinute: 10, endMinute: 60), Ct).DefaultTimeout();
        await Store.Silences.AddAsync(NewSilence("sil_c", startMinute: 20, endMinute: 60, app: "blog"), Ct).DefaultTimeout();
        await Store.Silences.ExpireAsync("sil_b", At(11), Ct).DefaultTimeout();

        (await Store.Silences.ListAsync("shop", 10, Ct).DefaultTimeout()).Select(s => s.Id).ShouldBe(["sil_b", "sil_a"]);
        (await Store.Silences.ListAsync(null, 10, Ct).DefaultTimeout()).Select(s => s.Id).ShouldBe(["sil_c", "sil_b", "sil_a"]);
        (await Store.Silences.ListAsync(null, 1, Ct).DefaultTimeout()).Select(s => s.Id).ShouldBe(["sil_c"]);
    }

    protected static Silence NewSilence(string id, int startMinute = 0, int endMinute = 120, string app = "shop") => new()
    {
        Id = id,
        App = app,
        Matchers = new Dictionary<string, string> { ["service"] = "web", ["env"] = "production" },
        StartsAt = At(startMinute),
        EndsAt = At(endMinute),
        CreatedBy = "ana",
        Reason = "planned database migration",
    };
}
