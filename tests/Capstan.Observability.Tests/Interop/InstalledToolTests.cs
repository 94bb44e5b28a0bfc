using Capstan.Testing;

namespace Capstan.Observability.Tests.Interop;

public sealed class InstalledToolTests
{
    [Fact]
    public void AMissingProgram_FailsWithAMessageNamingTheDebianPackageToInstall()
    {
        var missing = Should.Throw<InvalidOperationException>(
            () => InstalledTool.Find("Alertmanager", "prometheus-alertmanager", "capstan-no-such-alertmanager"));

        missing.Message.ShouldStartWith("Alertmanager is not installed: none of `capstan-no-such-alertmanager` is on PATH");
        missing.Message.ShouldContain("`apt-get install -y --no-install-recommends prometheus-alertmanager`");
        missing.Message.ShouldContain("scripts/test installs it when missing");
    }

    [Fact]
    public void AnInstalledProgram_IsFoundByItsFullPath()
    {
        var promtool = InstalledTool.Find("promtool", "prometheus", "promtool");

        Path.IsPathFullyQualified(promtool).ShouldBeTrue();
        Path.GetFileName(promtool).ShouldBe("promtool");
    }
}
