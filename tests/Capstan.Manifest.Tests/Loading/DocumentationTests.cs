using Capstan.Manifest.Alerts;
using Capstan.Manifest.Binding;
using Capstan.Testing;

namespace Capstan.Manifest.Tests.Loading;

/// <summary>The reference documents cover everything the loader knows: a new key or code without docs fails here.</summary>
public class DocumentationTests
{
    private static readonly string Manifest = File.ReadAllText(RepositoryRoot.Combine("docs", "manifest.md"));
    private static readonly string Errors = File.ReadAllText(RepositoryRoot.Combine("docs", "errors.md"));

    [Fact]
    public void EveryKeyOfEveryObject_HasItsRowInManifestMd()
    {
        var missing = ManifestSchema.Objects()
            .SelectMany(o => o.Fields.Select(f => (o.Definition, f.Key)))
            .Where(x => !Manifest.Contains($"| `{x.Key}` |", StringComparison.Ordinal))
            .Select(x => $"{x.Definition}.{x.Key}")
            .ToList();

        missing.ShouldBeEmpty("keys without a '| `key` |' row in docs/manifest.md");
    }

    [Fact]
    public void EveryAlertFunction_IsDocumented()
    {
        AlertFunctions.All.Select(f => f.Name).Where(n => !Manifest.Contains($"`{n}", StringComparison.Ordinal)).ShouldBeEmpty();
    }

    [Fact]
    public void EveryErrorCode_HasItsSectionInErrorsMd()
    {
        var missing = ErrorCodes.All.Where(c => !Errors.Contains($"## {c.Code}", StringComparison.Ordinal)).Select(c => c.Code).ToList();

        missing.ShouldBeEmpty("codes without a '## CAPnnn' section in docs/errors.md");
    }
}
