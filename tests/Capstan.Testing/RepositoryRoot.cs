namespace Capstan.Testing;

/// <summary>The checkout the tests run from, found by walking up from the test's output folder.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    /// <summary>A path inside the repository: <c>RepositoryRoot.Combine("examples", "hello")</c>.</summary>
    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Capstan.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find the repository root (Capstan.slnx) above " + AppContext.BaseDirectory);
    }
}
