using System.CommandLine;
using System.Globalization;
using Capstan.Cli.Commands;
using Capstan.Cli.Output;
using Capstan.Cli.Secrets;
using Capstan.Pipelines.Running;
using Capstan.State;

namespace Capstan.Cli.Pipelines;

/// <summary><c>capstan artifact list|show</c>: the build outputs the pipeline stored, by digest.</summary>
internal static class ArtifactCommands
{
    public static Command Create(CliConsole console) =>
        new("artifact", "List and show the artifacts the pipeline built, addressed by digest") { List(console), Show(console) };

    private static Command List(CliConsole console)
    {
        var limit = new Option<int>("--limit") { Description = "At most the newest N artifacts", DefaultValueFactory = _ => 50 };
        var json = new Option<bool>("--json") { Description = "Print the artifacts as JSON" };
        var (project, state) = (SecretCommands.ProjectOption(), StateCommand.CreateStateOption());
        var command = new Command("list", "List artifacts, newest first: digest, job, run, size, when") { limit, json, project, state };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(limit) < 1)
            {
                throw new CommandException("--limit must be at least 1", ExitCodes.Usage);
            }

            await using var session = await SecretsSession.OpenAsync(console, parse.GetValue(project)!, parse.GetValue(state), KeyUse.None, ct).ConfigureAwait(false);
            var artifacts = await session.Store.Artifacts.ListAsync(session.Manifest.App, parse.GetValue(limit), ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(console.Output, w =>
                {
                    w.WriteStartArray();
                    foreach (var artifact in artifacts)
                    {
                        WriteJson(w, artifact, commit: null, present: null);
                    }

                    w.WriteEndArray();
                });
                return ExitCodes.Success;
            }

            if (artifacts.Count == 0)
            {
                console.Output.WriteLine("no artifacts yet: a job with 'artifact: PATH' stores one when it succeeds");
                return ExitCodes.Success;
            }

            foreach (var artifact in artifacts)
            {
                console.Output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{artifact.Digest}  {artifact.Job,-12} {artifact.RunId}  {Sizes.Format(artifact.SizeBytes),9}  {artifact.CreatedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss}"));
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Show(CliConsole console)
    {
        var digest = new Argument<string>("DIGEST") { Description = "The artifact's digest (sha256:…), or a unique beginning of its hex digits" };
        var json = new Option<bool>("--json") { Description = "Print the artifact as JSON" };
        var (project, state) = (SecretCommands.ProjectOption(), StateCommand.CreateStateOption());
        var command = new Command("show", "Show one artifact: the job, run and commit that built it, its size, where its bytes are") { digest, json, project, state };
        command.SetAction(async (parse, ct) =>
        {
            await using var session = await SecretsSession.OpenAsync(console, parse.GetValue(project)!, parse.GetValue(state), KeyUse.None, ct).ConfigureAwait(false);
            var artifact = await FindAsync(session, parse.GetValue(digest)!, ct).ConfigureAwait(false);
            var run = await session.Store.Runs.GetAsync(artifact.RunId, ct).ConfigureAwait(false);
            var path = Path.Combine(session.ProjectDirectory, artifact.Location);
            var present = File.Exists(path);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(console.Output, w => WriteJson(w, artifact, run?.Run.Commit, present));
                return ExitCodes.Success;
            }

            var o = console.Output;
            o.WriteLine($"digest:   {artifact.Digest}");
            o.WriteLine($"app:      {artifact.App}");
            o.WriteLine($"job:      {artifact.Job}");
            o.WriteLine($"run:      {artifact.RunId}");
            o.WriteLine($"commit:   {run?.Run.Commit ?? "-"}");
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"size:     {Sizes.Format(artifact.SizeBytes)} ({artifact.SizeBytes} bytes)"));
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"created:  {artifact.CreatedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss zzz}"));
            o.WriteLine($"location: {artifact.Location}" + (present ? "" : " (missing on this machine)"));
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<Artifact> FindAsync(SecretsSession session, string text, CancellationToken cancellationToken)
    {
        var hex = text.StartsWith("sha256:", StringComparison.Ordinal) ? text["sha256:".Length..] : text;
        if (hex.Length == 0 || !hex.All(char.IsAsciiHexDigitLower))
        {
            throw new CommandException($"'{text}' is not a digest: expected sha256: and lowercase hex digits, or a beginning of them", ExitCodes.Usage);
        }

        if (hex.Length == 64)
        {
            return await session.Store.Artifacts.GetAsync("sha256:" + hex, cancellationToken).ConfigureAwait(false)
                ?? throw new CommandException($"there is no artifact sha256:{hex}; see: capstan artifact list", ExitCodes.InvalidInput);
        }

        var matches = (await session.Store.Artifacts.ListAsync(session.Manifest.App, 10_000, cancellationToken).ConfigureAwait(false))
            .Where(a => a.Digest.StartsWith("sha256:" + hex, StringComparison.Ordinal))
            .ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new CommandException($"no artifact's digest begins with {hex}; see: capstan artifact list", ExitCodes.InvalidInput),
            _ => throw new CommandException($"{matches.Count} artifacts' digests begin with {hex}; give more digits", ExitCodes.InvalidInput),
        };
    }

    private static void WriteJson(System.Text.Json.Utf8JsonWriter w, Artifact artifact, string? commit, bool? present)
    {
        w.WriteStartObject();
        w.WriteString("digest", artifact.Digest);
        w.WriteString("app", artifact.App);
        w.WriteString("job", artifact.Job);
        w.WriteString("run", artifact.RunId);
        if (present is not null)
        {
            w.WriteString("commit", commit);
            w.WriteBoolean("present", present.Value);
        }

        w.WriteNumber("size_bytes", artifact.SizeBytes);
        w.WriteString("location", artifact.Location);
        w.WriteString("created_at", artifact.CreatedAt);
        w.WriteEndObject();
    }
}
