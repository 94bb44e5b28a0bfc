using Xunit;

namespace Hello.Tests;

public class HelloSettingsTests
{
    [Fact]
    public void Defaults_WhenNothingIsSet()
    {
        Assert.True(HelloSettings.TryLoad(_ => null, out var settings, out var errors));
        Assert.Empty(errors);
        Assert.Equal("dev", settings.Version);
        Assert.Null(settings.Port);
        Assert.Equal(0, settings.FaultRate);
        Assert.Null(settings.FaultFile);
    }

    [Fact]
    public void EveryBadVariable_IsReported_WithoutItsValue()
    {
        var values = new Dictionary<string, string> { ["PORT"] = "70000", ["FAULT_RATE"] = "lots", ["LATENCY_MS"] = "-1" };

        Assert.False(HelloSettings.TryLoad(name => values.GetValueOrDefault(name), out _, out var errors));

        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("PORT", StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Contains("70000", StringComparison.Ordinal) || e.Contains("lots", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("0", 0.0)]
    [InlineData("0.05", 0.05)]
    [InlineData("1", 1.0)]
    public void FaultRate_AcceptsFractionsFromZeroToOne(string text, double expected)
    {
        Assert.True(HelloSettings.TryLoad(name => name == "FAULT_RATE" ? text : null, out var settings, out _));
        Assert.Equal(expected, settings.FaultRate);
    }

    [Fact]
    public void FaultFile_AcceptsAnAbsolutePath()
    {
        Assert.True(HelloSettings.TryLoad(name => name == "FAULT_FILE" ? "/tmp/hello.fault" : null, out var settings, out _));
        Assert.Equal("/tmp/hello.fault", settings.FaultFile);
    }

    [Theory]
    [InlineData("outage.flag")]
    [InlineData("./outage/now.flag")]
    [InlineData("/tmp/outage\0now.flag")]
    public void FaultFile_RefusesARelativeOrInvalidPath_WithoutRepeatingIt(string path)
    {
        Assert.False(HelloSettings.TryLoad(name => name == "FAULT_FILE" ? path : null, out _, out var errors));

        var error = Assert.Single(errors);
        Assert.StartsWith("FAULT_FILE must be an absolute path", error, StringComparison.Ordinal);
        Assert.DoesNotContain("outage", error, StringComparison.Ordinal);
    }
}
