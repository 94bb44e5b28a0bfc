using Capstan.Manifest.Alerts;
using Capstan.Observability.Metrics;
using Capstan.Testing;

namespace Capstan.Observability.Tests.Metrics;

public sealed class MetricsDocsTests
{
    [Fact]
    public void TheMetricsEngineSection_NamesEverySeriesAndEveryFunction()
    {
        var text = File.ReadAllText(RepositoryRoot.Combine("docs", "metrics.md"));
        var start = text.IndexOf("\n## The metrics engine\n", StringComparison.Ordinal);
        start.ShouldBeGreaterThan(0, "docs/metrics.md has a '## The metrics engine' section");
        var end = text.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var section = end < 0 ? text[start..] : text[start..end];

        foreach (var family in SeriesNames.Families)
        {
            section.ShouldContain(family.Type == MetricType.Histogram ? $"`{family.Name}_bucket`" : $"`{family.Name}`");
        }

        foreach (var function in AlertFunctions.All)
        {
            var name = function.Name.StartsWith("latency_", StringComparison.Ordinal) ? "latency_p" : function.Name;
            section.ShouldContain($"`{name}", customMessage: function.Name);
        }
    }
}
