namespace Capstan.Manifest.Tests;

public class SmokeTests
{
    [Fact]
    public void ExampleManifest_Loads()
    {
        var result = ManifestLoader.Load(Path.Combine(Repo.Root, "examples", "hello"));
        result.Diagnostics.ShouldBeEmpty(string.Join("\n", result.Diagnostics));
    }
}
