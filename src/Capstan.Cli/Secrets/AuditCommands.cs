using System.CommandLine;
using System.Globalization;
using Capstan.Cli.Commands;
using Capstan.Cli.Output;
using Capstan.Manifest.Values;
using Capstan.State;

namespace Capstan.Cli.Secrets;

/// <summary><c>capstan audit list|verify</c>: the tamper-evident log of secret reads and changes (and later, deployments).</summary>
internal static class AuditCommands
{
    public static Command Create(CliConsole console) =>
        new("audit", "Read and verify the audit log: who read or changed which secret, when") { List(console), Verify(console) };

    private static Command List(CliConsole console)
    {
        var since = new Option<string?>("--since") { Description = "Only entries of the last DURATION (10m, 7d) or since a date (2026-11-01)", HelpName = "WHEN" };
        var secret = new Option<string?>("--secret") { Description = "Only entries about this secret", HelpName = "NAME" };
        var limit = new Option<int?>("--limit") { Description = "At most the newest N entries" };
        var json = new Option<bool>("--json") { Description = "Print the entries as JSON" };
        var (project, state) = (SecretCommands.ProjectOption(), StateCommand.CreateStateOption());
        var command = new Command("list", "List audit entries, oldest first; never values") { since, secret, limit, json, project, state };
        command.SetAction(async (parse, ct) =>
        {
            var from = Since(parse.GetValue(since), DateTimeOffset.UtcNow);
            await using var session = await SecretsSession.OpenAsync(console, parse.GetValue(project)!, parse.GetValue(state), KeyUse.None, ct).ConfigureAwait(false);
            var entries = await session.Store.Audit.ListAsync(new AuditQuery { Since = from, Subject = parse.GetValue(secret), App = session.Manifest.App, Limit = parse.GetValue(limit) }, ct).ConfigureAwait(false);
            Write(console, entries, parse.GetValue(json));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Verify(CliConsole console)
    {
        var (project, state) = (SecretCommands.ProjectOption(), StateCommand.CreateStateOption());
        var command = new Command("verify", "Check the whole audit chain with the master key; name the first entry that was edited, removed, inserted or reordered") { project, state };
        command.SetAction(async (parse, ct) =>
        {
            await using var session = await SecretsSession.OpenAsync(console, parse.GetValue(project)!, parse.GetValue(state), KeyUse.Existing, ct).ConfigureAwait(false);
            var result = await SecretCommands.Run(() => session.Vault.VerifyAuditAsync(ct)).ConfigureAwait(false);
            if (result.IsIntact)
            {
                console.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"the audit log is intact: {result.Entries} entries, each chained to the one before"));
                return ExitCodes.Success;
            }

            console.WriteError($"the audit log was tampered with: {result.Problem}");
            return ExitCodes.Failure;
        });
        return command;
    }

    internal static DateTimeOffset? Since(string? text, DateTimeOffset now)
    {
        if (text is null)
        {
            return null;
        }

        if (Duration.TryParse(text, out var duration, out _))
        {
            return now - duration.Value;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            return date;
        }

        throw new CommandException($"--since '{text}' is neither a duration (10m, 7d) nor a date (2026-11-01)", ExitCodes.Usage);
    }

    private static void Write(CliConsole console, IReadOnlyList<AuditEntry> entries, bool json)
    {
        if (json)
        {
            JsonOutput.Write(console.Output, w =>
            {
                w.WriteStartArray();
                foreach (var e in entries)
                {
                    w.WriteStartObject();
                    w.WriteNumber("sequence", e.Sequence);
                    w.WriteString("time", e.Time.ToString("O", CultureInfo.InvariantCulture));
                    w.WriteString("actor", e.Actor);
                    w.WriteString("action", e.Action);
                    w.WriteString("environment", e.Environment);
                    w.WriteString("subject", e.Subject);
                    if (e.Version is { } version)
                    {
                        w.WriteNumber("version", version);
                    }

                    w.WriteString("detail", e.Detail);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            });
            return;
        }

        if (entries.Count == 0)
        {
            console.Output.WriteLine("no audit entries");
            return;
        }

        SecretListing.Table(console, ["#", "TIME", "ACTOR", "ACTION", "ENVIRONMENT", "SUBJECT", "VERSION", "DETAIL"], entries.Select(e => new[]
        {
            e.Sequence.ToString(CultureInfo.InvariantCulture), SecretListing.Date(e.Time), e.Actor, e.Action, e.Environment ?? "", e.Subject,
            e.Version?.ToString(CultureInfo.InvariantCulture) ?? "", e.Detail ?? "",
        }));
    }
}
