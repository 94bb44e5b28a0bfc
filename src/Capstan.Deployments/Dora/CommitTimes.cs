using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Capstan.Deployments.Dora;

/// <summary>When a commit was made, for the lead time of the changes it carried.</summary>
public interface ICommitTimes
{
    /// <summary>The commit's committer time, or null when it is not known (an unknown commit, no repository, no git).</summary>
    Task<DateTimeOffset?> GetAsync(string commit, CancellationToken cancellationToken);
}

/// <summary>Commit times from the git repository of the project: <c>git -C DIR show -s --format=%cI SHA</c>.</summary>
public sealed partial class GitCommitTimes : ICommitTimes
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly string _directory;

    public GitCommitTimes(string directory)
    {
        _directory = directory;
    }

    public async Task<DateTimeOffset?> GetAsync(string commit, CancellationToken cancellationToken)
    {
        // Only a hex object name reaches git's command line: never an option, never a revision expression.
        if (!ObjectName().IsMatch(commit))
        {
            return null;
        }

        var info = new ProcessStartInfo("git") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["-C", _directory, "show", "-s", "--format=%cI", commit])
        {
            info.ArgumentList.Add(argument);
        }

        Process git;
        try
        {
            git = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no git installed
        }

        using (git)
        using (var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            limit.CancelAfter(Timeout);
            try
            {
                var errors = git.StandardError.ReadToEndAsync(limit.Token);
                var output = await git.StandardOutput.ReadToEndAsync(limit.Token).ConfigureAwait(false);
                await errors.ConfigureAwait(false);
                await git.WaitForExitAsync(limit.Token).ConfigureAwait(false);
                return git.ExitCode == 0 && DateTimeOffset.TryParse(output.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
                    ? time
                    : null;
            }
            catch (OperationCanceledException)
            {
                git.Kill(entireProcessTree: true);
                if (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }

                return null; // a git that hangs (a lock, a slow disk) costs this commit's time, not the report
            }
        }
    }

    [GeneratedRegex("^[0-9a-fA-F]{7,64}$")]
    private static partial Regex ObjectName();
}
