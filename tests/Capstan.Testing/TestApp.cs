namespace Capstan.Testing;

/// <summary>
/// The web app of tests/Capstan.TestApp, built with the solution: its behaviour (readiness delay, crashes, version text)
/// is set through environment variables documented at the top of its Program.cs.
/// </summary>
public static class TestApp
{
    /// <summary>The built Capstan.TestApp.dll, of the same configuration as the running tests.</summary>
    public static string DllPath { get; } = Find();

    /// <summary>The shell command that starts the app: <c>dotnet '/…/Capstan.TestApp.dll'</c>.</summary>
    public static string Command => $"dotnet '{DllPath}'";

    private static string Find()
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        var path = RepositoryRoot.Combine("tests", "Capstan.TestApp", "bin", configuration, "net10.0", "Capstan.TestApp.dll");
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{path} is missing: build the solution (dotnet build Capstan.slnx) first");
    }
}
