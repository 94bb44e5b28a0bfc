using Capstan.Edge.Routing;

namespace Capstan.Edge.Tests.Routing;

/// <summary>Routes are checked before anything reaches HAProxy; every error names the value at fault.</summary>
public sealed class RouteValidatorTests
{
    private static EdgeServer Server(string name = "i-1", string address = "127.0.0.1:20001") => new() { Name = name, Address = address };

    private static string ErrorOf(params EdgeBackend[] backends) =>
        Should.Throw<EdgeException>(() => RouteValidator.Normalize(new EdgeRoutes { Backends = backends })).Message;

    [Fact]
    public void Normalize_LowersHosts_TrimsPrefixes_AndSortsByName()
    {
        var routes = RouteValidator.Normalize(new EdgeRoutes
        {
            Backends =
            [
                new EdgeBackend { Name = "web", Host = "Staging.Hello.LOCALHOST", PathPrefix = "/api/", Servers = [Server("b"), Server("a", "[::1]:1")] },
                new EdgeBackend { Name = "admin", Host = "admin.localhost" },
            ],
        });

        routes.Backends.Select(b => b.Name).ShouldBe(["admin", "web"]);
        routes.Backends[1].Host.ShouldBe("staging.hello.localhost");
        routes.Backends[1].PathPrefix.ShouldBe("/api");
        routes.Backends[1].Servers.Select(s => (s.Name, s.Address)).ShouldBe([("a", "[::1]:1"), ("b", "127.0.0.1:20001")]);
        routes.Backends[0].PathPrefix.ShouldBe("/");
    }

    [Theory]
    [InlineData("hello web")]
    [InlineData("web/1")]
    [InlineData("web;reload")]
    [InlineData("")]
    [InlineData("café")]
    public void ABackendNameOutsideHaproxysCharacters_IsRefusedByName(string name)
    {
        ErrorOf(new EdgeBackend { Name = name, Host = "web.localhost" })
            .ShouldContain($"backend '{name}': the name ");
    }

    [Fact]
    public void EveryProblem_IsReportedAtOnce_EachNamingItsValue()
    {
        var message = ErrorOf(
            new EdgeBackend
            {
                Name = "web",
                Host = "web.localhost:8080",
                PathPrefix = "api",
                Servers =
                [
                    Server("i 1"),
                    new EdgeServer { Name = "i-2", Address = "localhost:20002", Weight = 300 },
                    new EdgeServer { Name = "i-3", Address = "127.0.0.1" },
                    Server("i-4"),
                    Server("i-4"),
                ],
            },
            new EdgeBackend { Name = "web", Host = "other.localhost" },
            new EdgeBackend { Name = "capstan_no_route", Host = "x.localhost" },
            new EdgeBackend { Name = "a", Host = "same.localhost", PathPrefix = "/x" },
            new EdgeBackend { Name = "b", Host = "SAME.localhost", PathPrefix = "/x/" });

        message.ShouldStartWith("The edge routes are invalid:\n");
        message.ShouldContain("backend 'web': host 'web.localhost:8080' is not a host name");
        message.ShouldContain("backend 'web': path prefix 'api' is not a path");
        message.ShouldContain("backend 'web', server 'i 1': the name may hold only letters, digits, '-', '_', '.' and ':'");
        message.ShouldContain("server 'i-2': weight 300 is out of range; HAProxy takes 0 to 256");
        message.ShouldContain("server 'i-2': address 'localhost:20002' is not an IP address and port");
        message.ShouldContain("server 'i-3': address '127.0.0.1' is not an IP address and port");
        message.ShouldContain("server 'i-4': two servers of the backend have this name");
        message.ShouldContain("backend 'web': two backends have this name");
        message.ShouldContain("backend 'capstan_no_route': the name is reserved");
        message.ShouldContain("backend 'b': host 'same.localhost' and path prefix '/x' are already routed to backend 'a'");
    }

    [Theory]
    [InlineData("/a//b")]
    [InlineData("/a/../b")]
    [InlineData("/a b")]
    [InlineData("/a\"b")]
    [InlineData("/a#b")]
    [InlineData("/a'b")]
    public void APathPrefixHaproxysConfigurationCouldMisread_IsRefused(string prefix)
    {
        ErrorOf(new EdgeBackend { Name = "web", Host = "web.localhost", PathPrefix = prefix })
            .ShouldContain($"path prefix '{prefix}' is not a path");
    }

    [Theory]
    [InlineData("1:80")]
    [InlineData("::1:80")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:70000")]
    [InlineData("127.000.0.1:80")]
    public void AnAddressNotInCanonicalIpAndPortForm_IsRefused(string address)
    {
        ErrorOf(new EdgeBackend { Name = "web", Host = "web.localhost", Servers = [Server(address: address)] })
            .ShouldContain($"address '{address}' is not an IP address and port");
    }
}
