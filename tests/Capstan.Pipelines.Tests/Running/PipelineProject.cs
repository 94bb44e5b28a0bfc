using System.Collections.Concurrent;
using Capstan.Manifest;
using Capstan.Pipelines.Running;
using Capstan.Secrets.Resolution;
using Capstan.State;
using Capstan.Testing;

namespace Capstan.Pipelines.Tests.Running;

/// <summary>A project folder with a capstan.yaml, a real SQLite state store, and a way to run its pipeline.</summary>
internal sealed class PipelineProject : IAsyncDisposable
{
    private readonly TempDirectory _folder = new("capstan-pipeline-");
    private IStateStore? _store;

    public PipelineProject(string jobs, string extra = "", string pipelineEnv = "{}")
    {
        WriteManifest(jobs, extra, pipelineEnv);
    }

    public string Path => _folder.Path;

    public string Combine(params string[] parts) => _folder.Combine(parts);

    public string Write(string relative, string content) => _folder.Write(relative, content);

    /// <summary>Replaces the manifest; <paramref name="jobs"/> is YAML indented to sit under <c>pipeline.jobs</c>.</summary>
    public void WriteManifest(string jobs, string extra = "", string pipelineEnv = "{}") => _folder.Write("capstan.yaml", $"""
        version: 1
        app: shop
        pipeline:
          env: {pipelineEnv}
          jobs:
        {Indent(jobs, "    ")}
        {extra}
        """);

    public async Task<IStateStore> StoreAsync() =>
        _store ??= await StateStore.OpenAsync(StateLocation.ForSqliteFile(Combine(".capstan", "state.db")), TimeProvider.System, TestContext.Current.CancellationToken);

    public async Task<PipelineOutcome> RunAsync(
        Func<PipelineRequest, PipelineRequest>? configure = null,
        ISecretResolver? secrets = null,
        CancellationToken? cancellationToken = null)
    {
        var loaded = ManifestLoader.Load(Combine("capstan.yaml"));
        loaded.IsValid.ShouldBeTrue(string.Join("\n", loaded.Errors.Select(e => e.ToString())));
        var request = new PipelineRequest
        {
            Manifest = loaded.Manifest!,
            ProjectDirectory = Path,
            CallerEnvironment = name => name is "PATH" or "HOME" ? Environment.GetEnvironmentVariable(name) : null,
            KillGrace = TimeSpan.FromSeconds(1),
        };
        request = configure?.Invoke(request) ?? request;
        var events = new EventLog();
        var runner = new PipelineRunner(await StoreAsync(), secrets, TimeProvider.System);
        var finished = await runner.RunAsync(request, events, cancellationToken ?? TestContext.Current.CancellationToken).DefaultTimeout(TimeSpan.FromMinutes(2));
        return new PipelineOutcome(finished, events.Events.ToList());
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }

    private static string Indent(string text, string prefix) =>
        string.Join("\n", text.Split('\n').Select(line => line.Length == 0 ? line : prefix + line));

    private sealed class EventLog : IPipelineObserver
    {
        public ConcurrentQueue<PipelineEvent> Events { get; } = new();

        public void OnEvent(PipelineEvent pipelineEvent) => Events.Enqueue(pipelineEvent);
    }
}

/// <summary>A finished run and every event it sent, in order.</summary>
internal sealed record PipelineOutcome(RunFinished Finished, IReadOnlyList<PipelineEvent> Events)
{
    public JobReport Job(string name) => Finished.Jobs.Single(j => j.Job == name);

    public string Log(string name) => File.ReadAllText(Job(name).LogPath.ShouldNotBeNull());
}
