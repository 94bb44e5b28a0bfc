using Capstan.Testing;

namespace Capstan.State.Tests;

public abstract partial class StateStoreContract
{
    [Fact]
    public async Task Last_OfAnEmptyLog_IsNull()
    {
        (await Store.Audit.LastAsync(Ct).DefaultTimeout()).ShouldBeNull();
    }

    [Fact]
    public async Task Append_InSequence_ThenLast_ReturnsTheNewestEntry()
    {
        (await Store.Audit.TryAppendAsync(NewAudit(1), Ct).DefaultTimeout()).ShouldBeTrue();
        var second = NewAudit(2) with { Environment = null, Version = null, Detail = null };
        (await Store.Audit.TryAppendAsync(second, Ct).DefaultTimeout()).ShouldBeTrue();

        (await Store.Audit.LastAsync(Ct).DefaultTimeout()).ShouldBe(second);
    }

    [Fact]
    public async Task Append_WithTakenSequence_IsRejected()
    {
        await Store.Audit.TryAppendAsync(NewAudit(1), Ct).DefaultTimeout();
        await Store.Audit.TryAppendAsync(NewAudit(2), Ct).DefaultTimeout();

        var appended = await Store.Audit.TryAppendAsync(NewAudit(2) with { Actor = "mallory" }, Ct).DefaultTimeout();

        appended.ShouldBeFalse();
        (await Store.Audit.ReadAllAsync(Ct).DefaultTimeout()).Select(e => e.Actor).ShouldBe(["ana", "ana"]);
        (await Store.Audit.TryAppendAsync(NewAudit(1), Ct).DefaultTimeout()).ShouldBeFalse();
    }

    [Fact]
    public async Task Append_WithTakenSequence_InsideATransaction_LeavesTheTransactionUsable()
    {
        await Store.Audit.TryAppendAsync(NewAudit(1), Ct).DefaultTimeout();

        await Store.InTransactionAsync(
            async (session, ct) =>
            {
                (await session.Audit.TryAppendAsync(NewAudit(1), ct)).ShouldBeFalse();
                var last = (await session.Audit.LastAsync(ct)).ShouldNotBeNull();
                (await session.Audit.TryAppendAsync(NewAudit(last.Sequence + 1), ct)).ShouldBeTrue();
            },
            Ct).DefaultTimeout();

        (await Store.Audit.LastAsync(Ct).DefaultTimeout()).ShouldNotBeNull().Sequence.ShouldBe(2);
    }

    [Fact]
    public async Task Append_ThatWouldLeaveAGap_IsABug()
    {
        await Store.Audit.TryAppendAsync(NewAudit(1), Ct).DefaultTimeout();

        var error = await Should.ThrowAsync<ArgumentException>(() => Store.Audit.TryAppendAsync(NewAudit(3), Ct).DefaultTimeout());

        error.Message.ShouldContain("the next must be 2");
        await Should.ThrowAsync<ArgumentException>(() => Store.Audit.TryAppendAsync(NewAudit(0), Ct).DefaultTimeout());
    }

    [Fact]
    public async Task Append_ByManyAtOnceWithTheSameSequence_LetsExactlyOneIn()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(
            () => Store.Audit.TryAppendAsync(NewAudit(1) with { Actor = $"writer {i}" }, Ct),
            Ct))).DefaultTimeout();

        results.Count(appended => appended).ShouldBe(1);
        (await Store.Audit.ReadAllAsync(Ct).DefaultTimeout()).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task ListAudit_FiltersBySinceSubjectAndApp_InSequenceOrder()
    {
        await Store.Audit.TryAppendAsync(NewAudit(1, "DB_PASSWORD", minute: 1), Ct).DefaultTimeout();
        await Store.Audit.TryAppendAsync(NewAudit(2, "API_KEY", minute: 2), Ct).DefaultTimeout();
        await Store.Audit.TryAppendAsync(NewAudit(3, "DB_PASSWORD", minute: 3), Ct).DefaultTimeout();
        await Store.Audit.TryAppendAsync(NewAudit(4, "DB_PASSWORD", minute: 4) with { App = "blog" }, Ct).DefaultTimeout();
        await Store.Audit.TryAppendAsync(NewAudit(5, "DB_PASSWORD", minute: 5), Ct).DefaultTimeout();

        async Task<long[]> List(AuditQuery query) =>
            [.. (await Store.Audit.ListAsync(query, Ct).DefaultTimeout()).Select(e => e.Sequence)];

        (await List(new AuditQuery())).ShouldBe([1, 2, 3, 4, 5]);
        (await List(new AuditQuery { Since = At(3) })).ShouldBe([3, 4, 5]);
        (await List(new AuditQuery { Subject = "DB_PASSWORD" })).ShouldBe([1, 3, 4, 5]);
        (await List(new AuditQuery { Subject = "DB_PASSWORD", App = "shop" })).ShouldBe([1, 3, 5]);
        (await List(new AuditQuery { Subject = "DB_PASSWORD", Since = At(2), Limit = 2 })).ShouldBe([4, 5]);
        (await List(new AuditQuery { Limit = 3 })).ShouldBe([3, 4, 5]);
        (await List(new AuditQuery { Subject = "NOPE" })).ShouldBeEmpty();
    }

    [Fact]
    public async Task ReadAll_ReturnsEveryEntryInSequenceOrder_Unchanged()
    {
        var entries = Enumerable.Range(1, 20).Select(i => NewAudit(i, minute: 20 - i)).ToList();
        foreach (var entry in entries)
        {
            (await Store.Audit.TryAppendAsync(entry, Ct).DefaultTimeout()).ShouldBeTrue();
        }

        (await Store.Audit.ReadAllAsync(Ct).DefaultTimeout()).ShouldBe(entries);
    }
}
