namespace Capstan.IntegrationTests.ExampleApp;

/// <summary>Time limits of the example app's tests beyond the default of every await.</summary>
public static class Timeouts
{
    public static readonly TimeSpan Publish = TimeSpan.FromMinutes(5);
}
