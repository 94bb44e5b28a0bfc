using Xunit;

namespace Hello.Tests;

public class FaultInjectorTests
{
    [Fact]
    public void RateZero_NeverFails()
    {
        var injector = new FaultInjector(0, seed: 1);
        Assert.DoesNotContain(true, Enumerable.Range(0, 1000).Select(_ => injector.ShouldFail()));
    }

    [Fact]
    public void RateOne_AlwaysFails()
    {
        var injector = new FaultInjector(1, seed: 1);
        Assert.All(Enumerable.Range(0, 1000).Select(_ => injector.ShouldFail()), Assert.True);
    }

    [Fact]
    public void ASeed_MakesTheFailuresRepeatable()
    {
        var first = new FaultInjector(0.3, seed: 42);
        var second = new FaultInjector(0.3, seed: 42);
        Assert.Equal(Enumerable.Range(0, 200).Select(_ => first.ShouldFail()), Enumerable.Range(0, 200).Select(_ => second.ShouldFail()));
    }

    [Fact]
    public void FaultFile_FailsEveryRequest_OnlyWhileTheFileExists()
    {
        var path = Path.Combine(Path.GetTempPath(), $"hello-fault-{Guid.NewGuid():N}");
        var injector = new FaultInjector(0, seed: 1, path);
        try
        {
            Assert.False(injector.FaultFileExists());

            File.WriteAllText(path, "");
            Assert.True(injector.FaultFileExists());
            Assert.False(injector.ShouldFail()); // FAULT_RATE is independent of it

            File.Delete(path);
            Assert.False(injector.FaultFileExists());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void NoFaultFile_NeverFailsForIt()
    {
        Assert.False(new FaultInjector(0, seed: 1).FaultFileExists());
    }
}
