using Capstan.Testing;

namespace Capstan.Secrets.Tests.Scanning;

/// <summary>
/// A throw-away git repository, and git itself as the oracle of what is ignored. git runs with no global excludes
/// file, so only the repository's own ignore files count, as they do for the scanner.
/// </summary>
internal sealed class GitSandbox : IDisposable
{
    private static readonly string[] Isolated = ["-c", "core.excludesFile=/dev/null", "-c", "core.ignoreCase=false"];

    private GitSandbox(TempDirectory directory)
    {
        Directory = directory;
    }

    public TempDirectory Directory { get; }

    public string Path => Directory.Path;

    public static async Task<GitSandbox> CreateAsync(CancellationToken cancellationToken)
    {
        var sandbox = new GitSandbox(new TempDirectory("capstan-scan-"));
        await sandbox.GitAsync(["init", "-q"], cancellationToken);
        return sandbox;
    }

    /// <summary>Writes ignore files and creates files (empty) and the folders they are in.</summary>
    public void Build(IgnoreScenario scenario)
    {
        foreach (var (path, content) in scenario.IgnoreFiles)
        {
            Directory.Write(path, content);
        }

        if (scenario.Exclude is { } exclude)
        {
            Directory.Write(".git/info/exclude", exclude);
        }

        foreach (var file in scenario.Files)
        {
            Directory.Write(file, "x\n");
        }
    }

    /// <summary>The paths among <paramref name="paths"/> that <c>git check-ignore</c> reports as ignored.</summary>
    public async Task<HashSet<string>> GitIgnoredAsync(IReadOnlyCollection<string> paths, CancellationToken cancellationToken)
    {
        // NUL-separated on standard input (from a file inside .git, outside the working tree): names with spaces, tabs
        // or quotes pass unchanged, which they would not as quoted output lines.
        var list = System.IO.Path.Combine(Path, ".git", "paths-to-check");
        await File.WriteAllTextAsync(list, string.Concat(paths.Select(p => p + "\0")), cancellationToken);
        var command = "exec git " + string.Join(' ', Isolated) + " check-ignore --no-index --stdin -z < .git/paths-to-check";
        var result = await ProcessRunner.RunAsync("sh", ["-c", command], TimeoutExtensions.DefaultTimeoutSpan, Path, cancellationToken);
        if (result.ExitCode is not (0 or 1))
        {
            result.EnsureSuccess();
        }

        return Split(result.StandardOutput);
    }

    /// <summary>Files that git lists as untracked and not ignored: what a scan of the working tree should read.</summary>
    public async Task<HashSet<string>> GitUntrackedFilesAsync(CancellationToken cancellationToken)
    {
        var result = await GitAsync(["ls-files", "--others", "--exclude-standard", "-z"], cancellationToken);
        return Split(result.StandardOutput);
    }

    /// <summary>Files that git lists as ignored (inside ignored folders too).</summary>
    public async Task<HashSet<string>> GitIgnoredFilesAsync(CancellationToken cancellationToken)
    {
        var result = await GitAsync(["ls-files", "--others", "--ignored", "--exclude-standard", "-z"], cancellationToken);
        return Split(result.StandardOutput);
    }

    public async Task<ProcessResult> GitAsync(string[] arguments, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.RunAsync("git", [.. Isolated, .. arguments], TimeoutExtensions.DefaultTimeoutSpan, Path, cancellationToken);
        return result.EnsureSuccess();
    }

    public void Dispose() => Directory.Dispose();

    // -z output: NUL-terminated paths (the runner hands output back line by line, so drop the newlines it adds).
    private static HashSet<string> Split(string output) =>
        [.. output.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Split('\0', StringSplitOptions.RemoveEmptyEntries)];
}

/// <summary>Ignore files (path → content), an optional <c>.git/info/exclude</c>, and files to create.</summary>
internal sealed record IgnoreScenario(string Name, IReadOnlyDictionary<string, string> IgnoreFiles, string? Exclude, IReadOnlyList<string> Files)
{
    /// <summary>Every file, every folder above one, and every ignore file, each once.</summary>
    public IReadOnlyList<(string Path, bool IsDirectory)> AllPaths()
    {
        var files = Files.Concat(IgnoreFiles.Keys).Distinct(StringComparer.Ordinal).ToList();
        var directories = files
            .SelectMany(f => Enumerable.Range(0, f.Length).Where(i => f[i] == '/').Select(i => f[..i]))
            .Distinct(StringComparer.Ordinal);
        return [.. files.Select(f => (f, false)).Concat(directories.Select(d => (d, true))).OrderBy(p => p.Item1, StringComparer.Ordinal)];
    }

    public override string ToString() => Name;
}
