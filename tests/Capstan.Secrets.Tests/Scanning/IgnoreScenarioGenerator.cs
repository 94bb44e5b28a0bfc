namespace Capstan.Secrets.Tests.Scanning;

/// <summary>
/// Repositories made up from a seed: files with awkward names at several depths, and ignore files (at the top, in
/// subfolders and in .git/info/exclude) drawn from patterns that exercise every corner of the syntax.
/// </summary>
internal static class IgnoreScenarioGenerator
{
    private static readonly string[] Folders =
    [
        "a", "b", "build", "doc", "logs", "src", "tmp", "node_modules", "deep", "foo", "bar", "keep", "x", "sub dir", "[ab]",
        "#hash", "!bang", ".hidden", "Upper", "1",
    ];

    private static readonly string[] Names =
    [
        "a", "b", "x.log", "keep.log", "y.txt", "README.md", "notes.MD", "a.c", "a.h", "main.o", "#hash", "!bang", "sp ace",
        "trail ", "[ab]", "a.b.c", ".env", ".env.example", "Z.TXT", "1.dat", "foo", "bar", "tmp", "build", "-dash", "q?", "star*",
        "café.txt",
    ];

    private static readonly string[] Patterns =
    [
        "*.log", "!keep.log", "/build", "build/", "**/tmp", "a/**/b", "a/**", "**/", "doc/*.txt", "[a-c]*", "?.txt", "\\#hash",
        "\\!bang", "#comment", "foo/", "!foo/", "!foo/bar", "*", "!*/", "!*.md", "*/x", "[!a]*.c", "[^b]*", "[[:digit:]]*",
        "[[:upper:]]*", "trail\\ ", "trail ", "sp ace", "sp\\ ace", "deep/**/*.txt", "/*.txt", "*.TXT", "x*", "**/foo/**", "bar",
        "/bar/", "a/b", "a/*/c", "**/b/*", "*.[ch]", "\\[ab]", "[ab]", "node_modules", ".env*", "!.env.example", "logs/**/*.log",
        "!logs/keep/", "foo**/bar", "**foo", "a**", "keep/", "!keep/a", "x/", "!x/y.txt", "[a-]*", "*/", "**", "!**/", "!!bang",
        "*\\*", "doc/", "/doc/*.md", "sub dir/", "!sub dir/a", "*.o", "!main.o", "**/*.md", "!README.md", "caf*", "q\\?", "\\-dash",
        "-dash", "*.MD", "Upper/", "[[:alpha:]].c", "/*", "!/src/", "src/**/a", "**/a/**", ".hidden/", "!.hidden/b",
    ];

    public static IgnoreScenario Generate(int seed)
    {
        var random = new Random(seed);
        var files = new SortedSet<string>(StringComparer.Ordinal);
        var directories = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 90; i++)
        {
            var depth = random.Next(0, 4);
            var parts = Enumerable.Range(0, depth).Select(_ => Pick(random, Folders)).Append(Pick(random, Names)).ToArray();
            var path = string.Join('/', parts);
            var ancestors = Enumerable.Range(1, parts.Length - 1).Select(n => string.Join('/', parts[..n])).ToList();
            // A name cannot be both a file and a folder.
            if (directories.Contains(path) || ancestors.Any(files.Contains))
            {
                continue;
            }

            files.Add(path);
            directories.UnionWith(ancestors);
        }

        var ignoreFiles = new Dictionary<string, string> { [".gitignore"] = Lines(random, random.Next(3, 12)) };
        foreach (var directory in directories.Order(StringComparer.Ordinal).Where(_ => random.Next(4) == 0).Take(4))
        {
            ignoreFiles[directory + "/.gitignore"] = Lines(random, random.Next(1, 6));
        }

        var exclude = random.Next(3) == 0 ? Lines(random, random.Next(1, 4)) : null;
        return new IgnoreScenario($"generated from seed {seed}", ignoreFiles, exclude, [.. files]);
    }

    private static string Lines(Random random, int count)
    {
        var newline = random.Next(5) == 0 ? "\r\n" : "\n";
        return string.Concat(Enumerable.Range(0, count).Select(_ => Pick(random, Patterns) + newline));
    }

    private static string Pick(Random random, string[] from) => from[random.Next(from.Length)];
}
