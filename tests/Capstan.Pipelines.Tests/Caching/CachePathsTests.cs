using Capstan.Pipelines.Caching;

namespace Capstan.Pipelines.Tests.Caching;

public sealed class CachePathsTests
{
    private const string Work = "/work/checkout/app";
    private const string Home = "/home/runner";

    [Theory]
    [InlineData("~/.nuget/packages", "/home/runner/.nuget/packages")]
    [InlineData("~/.cache/pip/", "/home/runner/.cache/pip")]
    [InlineData("node_modules", "/work/checkout/app/node_modules")]
    [InlineData("./web/../web/node_modules", "/work/checkout/app/web/node_modules")]
    [InlineData("../shared/cache", "/work/checkout/shared/cache")]
    [InlineData("/opt/gradle-cache", "/opt/gradle-cache")]
    public void Resolve_GivesAFullNormalisedPath(string path, string expected)
    {
        CachePaths.Resolve(path, Work, Home).ShouldBe(expected);
    }

    [Theory]
    [InlineData(".")]
    [InlineData("./")]
    [InlineData("..")]
    [InlineData("../..")]
    [InlineData("/")]
    [InlineData("~")]
    [InlineData("~/")]
    [InlineData("/work/checkout/app")]
    public void Resolve_RefusesAPathThatHoldsTheWorkOrHome(string path)
    {
        var error = Should.Throw<CacheException>(() => CachePaths.Resolve(path, Work, Home));

        error.Message.ShouldContain($"'{path}'");
        error.Message.ShouldContain("replaces its folder");
    }

    [Fact]
    public void Resolve_RefusesAnotherUsersHome()
    {
        Should.Throw<CacheException>(() => CachePaths.Resolve("~bob/.m2", Work, Home)).Message.ShouldContain("'~bob/.m2'");
    }
}
