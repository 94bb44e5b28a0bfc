using Capstan.Secrets.Scanning;
using Microsoft.Extensions.FileSystemGlobbing;

namespace Capstan.Pipelines.Inputs;

/// <summary>
/// The files a job reads, from its <c>inputs:</c> globs: what a job's fingerprint hashes so that an unchanged job can be
/// skipped.
/// </summary>
/// <remarks>
/// <para>
/// Globs are relative to the job's folder, '/'-separated, case-sensitive, in FileSystemGlobbing's syntax: <c>*</c> matches
/// within one folder name, <c>**</c> across folders, a trailing <c>/</c> means everything under a folder, and a glob
/// without wildcards that names a folder means everything under it too. <c>!glob</c> takes files away, whatever the
/// order of the list. A glob with a <c>..</c> segment or an absolute path is refused.
/// </para>
/// <para>
/// What git ignores is never an input (like Turborepo: build outputs such as <c>bin/</c>, <c>obj/</c> and
/// <c>node_modules/</c> are usually ignored), judged by the <c>.gitignore</c> files from the repository's top down, and
/// <c>.git/info/exclude</c>; nor is anything in <c>.git</c> or <c>.capstan</c>. Symbolic links are not followed: a link
/// that a glob matches is an input by the path it points to (<see cref="JobFingerprint.AddFilesAsync"/>), and files under
/// a linked folder are not inputs.
/// </para>
/// </remarks>
public static class InputFiles
{
    /// <summary>
    /// The files under <paramref name="root"/> that <paramref name="globs"/> match, relative to it with '/' separators, in
    /// ordinal order, each once.
    /// </summary>
    /// <exception cref="InputFilesException">
    /// A glob cannot be used (every such glob is named), or a folder or ignore file could not be read, so the list could
    /// be incomplete.
    /// </exception>
    /// <exception cref="DirectoryNotFoundException"><paramref name="root"/> does not exist.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static IReadOnlyList<string> Match(string root, IReadOnlyList<string> globs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(root);
        var list = GlobList.Parse(globs);
        if (list.Errors.Count > 0)
        {
            throw new InputFilesException(string.Join(Environment.NewLine, list.Errors.Select(e => e.Describe("input"))));
        }

        var fullRoot = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        if (!Directory.Exists(fullRoot))
        {
            throw new DirectoryNotFoundException($"cannot list the inputs of '{root}': there is no such folder");
        }

        if (list.Includes.Count == 0)
        {
            return [];
        }

        var walk = RepositoryWalker.Walk(fullRoot, useGitignore: true, cancellationToken);
        if (walk.Problems.Count > 0)
        {
            throw new InputFilesException(
                "cannot list every input file, so the job's inputs are unknown:" + Environment.NewLine +
                string.Join(Environment.NewLine, walk.Problems.Select(p => "  " + p)));
        }

        var candidates = walk.Files.Select(f => f.RelativePath)
            .Concat(walk.Skipped.Where(s => s.Reason == SkipReason.SymbolicLink).Select(s => s.Path));
        var matches = list.CreateMatcher(list.Includes, folderMeansContents: true).Match(fullRoot, candidates);
        return [.. matches.Files.Select(f => f.Path).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// One message for each glob that <see cref="Match"/> would refuse, naming it; empty when all can be used. For
    /// validating a manifest before anything runs.
    /// </summary>
    public static IReadOnlyList<string> Validate(IReadOnlyList<string> globs) =>
        [.. GlobList.Parse(globs).Errors.Select(e => e.Describe("input"))];
}
