using Capstan.Edge.Locating;
using Capstan.Testing;

namespace Capstan.Edge.Tests.Locating;

/// <summary>Finding HAProxy and checking its version, with stand-in binaries for the versions this machine lacks.</summary>
public sealed class HaproxyBinaryTests : IDisposable
{
    private readonly TempDirectory _folder = new("capstan-edge-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("HAProxy version 2.6.12-1+deb12u4 2026/10/17 - https://haproxy.org/\nStatus: long-term", 2, 6, 12)]
    [InlineData("HAProxy version 3.0.5-1 2024/09/19 - https://haproxy.org/", 3, 0, 5)]
    [InlineData("HAProxy version 2.8-dev3 2023/01/01", 2, 8, -1)]
    public void ParseVersion_ReadsTheVersionOfHaproxyV(string output, int major, int minor, int patch)
    {
        var version = HaproxyBinary.ParseVersion(output);

        version.ShouldBe(patch < 0 ? new Version(major, minor) : new Version(major, minor, patch));
    }

    [Theory]
    [InlineData("")]
    [InlineData("nginx version: nginx/1.22.1")]
    [InlineData("HAProxy version x.y")]
    public void ParseVersion_OfSomethingElse_IsNull(string output)
    {
        HaproxyBinary.ParseVersion(output).ShouldBeNull();
    }

    [Fact]
    public async Task Locate_FindsThisMachinesHaproxy_2_6OrLater()
    {
        var binary = await HaproxyBinary.LocateAsync(null, Ct).DefaultTimeout();

        File.Exists(binary.Path).ShouldBeTrue();
        binary.Version.ShouldBeGreaterThanOrEqualTo(new Version(2, 6));
        binary.VersionText.ShouldStartWith("HAProxy version");
    }

    [Fact]
    public async Task Locate_AnHaproxyOlderThan2_6_SaysItIsTooOld()
    {
        var fake = Script("haproxy", "echo 'HAProxy version 2.4.22-0ubuntu0.22.04.1 2023/02/14 - https://haproxy.org/'");

        var error = await Should.ThrowAsync<EdgeException>(() => HaproxyBinary.LocateAsync(fake, Ct).DefaultTimeout());

        error.Message.ShouldStartWith($"HAProxy 2.4.22 at {fake} is too old: Capstan's edge needs HAProxy 2.6 or later.");
    }

    [Fact]
    public async Task Locate_SomethingThatIsNotHaproxy_SaysSo()
    {
        var fake = Script("not-haproxy", "echo 'hello'");

        var error = await Should.ThrowAsync<EdgeException>(() => HaproxyBinary.LocateAsync(fake, Ct).DefaultTimeout());

        error.Message.ShouldContain($"'{fake}' is not HAProxy");
        error.Message.ShouldContain("sudo apt-get install haproxy");
    }

    [Fact]
    public async Task Locate_AMissingExplicitPath_DoesNotFallBackToAnotherHaproxy()
    {
        var error = await Should.ThrowAsync<EdgeException>(() => HaproxyBinary.LocateAsync(_folder.Combine("haproxy"), Ct).DefaultTimeout());

        error.Message.ShouldBe(
            $"HAProxy was not found at '{_folder.Combine("haproxy")}'. HAProxy is not installed (Capstan's edge proxy). "
            + "Install it: sudo apt-get install haproxy (Debian/Ubuntu), or set CAPSTAN_HAPROXY to its path.");
    }

    private string Script(string name, string body)
    {
        var path = _folder.Write(name, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
