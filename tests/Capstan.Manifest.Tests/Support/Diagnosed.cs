namespace Capstan.Manifest.Tests.Support;

/// <summary>Assertions on the diagnostics of a load, with every diagnostic in the failure message.</summary>
internal static class Diagnosed
{
    /// <summary>Parses YAML text written with '\n' line breaks.</summary>
    public static ManifestLoadResult Parse(string yaml) => ManifestLoader.Parse(yaml);

    /// <summary>
    /// The load reported exactly one diagnostic, an error with <paramref name="code"/> at
    /// <paramref name="line"/>:<paramref name="column"/> whose message holds every one of <paramref name="messageParts"/>;
    /// and no manifest came out of it.
    /// </summary>
    public static Diagnostic ShouldReportOnly(this ManifestLoadResult result, string code, int line, int column, params string[] messageParts)
    {
        var listing = Listing(result);
        result.Diagnostics.Count.ShouldBe(1, listing);
        var diagnostic = result.ShouldReport(code, line, column, messageParts);
        return diagnostic;
    }

    /// <summary>Among the diagnostics is an error with <paramref name="code"/> at <paramref name="line"/>:<paramref name="column"/>.</summary>
    public static Diagnostic ShouldReport(this ManifestLoadResult result, string code, int line, int column, params string[] messageParts)
    {
        var listing = Listing(result);
        result.Manifest.ShouldBeNull(listing);
        var diagnostic = result.Diagnostics.FirstOrDefault(d => d.Code == code && d.Line == line && d.Column == column);
        diagnostic.ShouldNotBeNull($"expected {code} at {line}:{column}; got:\n{listing}");
        diagnostic.IsError.ShouldBeTrue(listing);
        foreach (var part in messageParts)
        {
            diagnostic.Message.ShouldContain(part, Case.Sensitive, $"the message of {diagnostic}");
        }

        return diagnostic;
    }

    /// <summary>The load succeeded with no diagnostic at all.</summary>
    public static Model.CapstanManifest ShouldBeClean(this ManifestLoadResult result)
    {
        var listing = Listing(result);
        result.Diagnostics.ShouldBeEmpty(listing);
        result.Manifest.ShouldNotBeNull(listing);
        return result.Manifest;
    }

    public static string Listing(ManifestLoadResult result) =>
        result.Diagnostics.Count == 0 ? "(no diagnostics)" : string.Join("\n", result.Diagnostics);
}
