using System.Text;
using Capstan.Manifest.Validation;

namespace Capstan.Manifest.Tests.Loading;

/// <summary>Files near the size limit load in time proportional to their size.</summary>
public sealed class LargeInputTests
{
    [Fact]
    public async Task CycleSearch_OverTwoHundredThousandIndependentNodes_Ends()
    {
        // A quadratic search (once per component over every node, as a past version did) takes minutes here and
        // trips the hang guard; the linear one takes well under a second. No tight timing, so no flakiness under load.
        var nodes = Enumerable.Range(0, 200_000).Select(i => "n" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();

        var cycles = await Bounded.Run(() => Graph.FindCycles(nodes, _ => []), TimeSpan.FromSeconds(30));

        cycles.ShouldBeEmpty();
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
