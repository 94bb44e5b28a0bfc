using Capstan.Deployments.Dora;
using Capstan.Testing;

namespace Capstan.Deployments.Tests.Dora;

public sealed class GitCommitTimesTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ACommitOfTheRepository_HasItsCommitterTime_AnythingElseHasNone()
    {
        using var folder = new TempDirectory("capstan-dora-git-");
        var sha = await GitRepository.CommitAsync(folder.Path, DateTimeOffset.Parse("2026-03-01T15:10:00+01:00", System.Globalization.CultureInfo.InvariantCulture), Token);
        var times = new GitCommitTimes(folder.Path);

        (await times.GetAsync(sha, Token).DefaultTimeout()).ShouldBe(new DateTimeOffset(2026, 3, 1, 14, 10, 0, TimeSpan.Zero));
        (await times.GetAsync(sha[..12], Token).DefaultTimeout()).ShouldNotBeNull();
        (await times.GetAsync(new string('0', 40), Token).DefaultTimeout()).ShouldBeNull();
        (await times.GetAsync("--help", Token).DefaultTimeout()).ShouldBeNull();
        (await times.GetAsync("HEAD", Token).DefaultTimeout()).ShouldBeNull(); // a revision expression, not a commit

        using var notARepository = new TempDirectory("capstan-dora-nogit-");
        (await new GitCommitTimes(notARepository.Path).GetAsync(sha, Token).DefaultTimeout()).ShouldBeNull();
    }
}

/// <summary>Makes a repository with one (empty) commit at a chosen committer time, as a project's history would have it.</summary>
internal static class GitRepository
{
    public static async Task<string> CommitAsync(string directory, DateTimeOffset committed, CancellationToken cancellationToken)
    {
        var date = committed.ToString("yyyy-MM-ddTHH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture);
        await RunAsync(directory, ["git", "init", "-q"], cancellationToken);
        // Through env: the committer date is only set by GIT_COMMITTER_DATE, 'git commit --date' sets the author's.
        await RunAsync(
            directory,
            ["env", $"GIT_COMMITTER_DATE={date}", $"GIT_AUTHOR_DATE={date}", "git", "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", "commit", "-q", "--allow-empty", "-m", "change"],
            cancellationToken);
        return (await RunAsync(directory, ["git", "rev-parse", "HEAD"], cancellationToken)).StandardOutput.Trim();
    }

    private static async Task<ProcessResult> RunAsync(string directory, string[] command, CancellationToken cancellationToken) =>
        (await ProcessRunner.RunAsync(command[0], command[1..], TimeSpan.FromSeconds(30), directory, cancellationToken).DefaultTimeout()).EnsureSuccess();
}
