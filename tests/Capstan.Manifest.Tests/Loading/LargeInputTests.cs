using System.Diagnostics;
using System.Text;
using Capstan.Manifest.Validation;

namespace Capstan.Manifest.Tests.Loading;

/// <summary>Files near the size limit load in time proportional to their size.</summary>
public sealed class LargeInputTests
{
    [Fact]
    public async Task CycleSearch_OverTwentyThousandIndependentNodes_TakesUnderASecond()
    {
        // Bug: FindCycles runs nodes.First(component.Contains) for every strongly connected component, which is
        // quadratic when nothing depends on anything. Through the loader: 20,000 environments take about 3 s to
        // load and 45,000 jobs (a 930 KB capstan.yaml) 26 s.
        var nodes = Enumerable.Range(0, 20_000).Select(i => "n" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Graph.FindCycles(["a", "b"], _ => []); // JIT outside the measurement
        var watch = Stopwatch.StartNew();

        var cycles = await Bounded.Run(() => Graph.FindCycles(nodes, _ => []), TimeSpan.FromSeconds(60));

        cycles.ShouldBeEmpty();
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task TenThousandIndependentJobs_Load()
    {
        var text = new StringBuilder("version: 1\napp: hello\npipeline:\n  jobs:\n");
        for (var i = 0; i < 10_000; i++)
        {
            text.Append("    j").Append(i).Append(": { run: x }\n");
        }

        var result = await Bounded.Run(() => ManifestLoader.Parse(text.ToString()), TimeSpan.FromSeconds(30));

        result.ShouldBeClean().Pipeline.Jobs.Count.ShouldBe(10_000);
    }

    [Fact]
    public async Task ALongChainOfJobs_IsCheckedForCyclesWithoutOverflowingTheStack()
    {
        var text = new StringBuilder("version: 1\napp: hello\npipeline:\n  jobs:\n    j0: { run: x }\n");
        for (var i = 1; i < 5_000; i++)
        {
            text.Append("    j").Append(i).Append(": { run: x, needs: j").Append(i - 1).Append(" }\n");
        }

        text.Append("    j0b: { run: x, needs: j4999 }\n");

        var result = await Bounded.Run(() => ManifestLoader.Parse(text.ToString()), TimeSpan.FromSeconds(30));

        result.ShouldBeClean().Pipeline.Jobs.Count.ShouldBe(5_001);
    }

    [Fact]
    public async Task ALongCycleOfJobs_IsNamedInFull()
    {
        var text = new StringBuilder("version: 1\napp: hello\npipeline:\n  jobs:\n");
        for (var i = 0; i < 1_000; i++)
        {
            text.Append("    j").Append(i).Append(": { run: x, needs: j").Append((i + 1) % 1_000).Append(" }\n");
        }

        var result = await Bounded.Run(() => ManifestLoader.Parse(text.ToString()), TimeSpan.FromSeconds(30));

        var cycle = result.ShouldReportOnly(ErrorCodes.JobCycle, 5, 26, "jobs need each other in a cycle: j0 → j1 → j2 → ");
        cycle.Message.ShouldContain("j998 → j999 → j0;", Case.Sensitive);
    }
}
