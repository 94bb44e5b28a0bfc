using System.Globalization;
using Capstan.Cli.Output;
using Capstan.State;

namespace Capstan.Cli.Secrets;

/// <summary>One row of <c>capstan secret list</c>: a secret in an environment, set or declared but not set.</summary>
internal sealed record SecretRow(string Environment, string Name, int? Version, DateTimeOffset? ChangedAt, string? ChangedBy, DateTimeOffset? RotateDue, bool Declared)
{
    public bool Overdue(DateTimeOffset now) => RotateDue is { } due && due < now;
}

internal static class SecretListing
{
    /// <summary>The set secrets, plus every declared secret missing from a declared environment ("not set").</summary>
    public static async Task<IReadOnlyList<SecretRow>> BuildAsync(SecretsSession session, string? environment, CancellationToken cancellationToken)
    {
        var stored = await session.Vault.ListAsync(environment, cancellationToken).ConfigureAwait(false);
        var rows = stored.Select(v => new SecretRow(v.Environment, v.Name, v.Version, v.CreatedAt, v.CreatedBy, Due(session, v), session.Manifest.Secrets.ContainsKey(v.Name))).ToList();
        var environments = environment is null ? session.Manifest.Environments.Keys : [environment];
        foreach (var env in environments)
        {
            foreach (var name in session.Manifest.Secrets.Keys)
            {
                if (!rows.Exists(r => r.Environment == env && r.Name == name))
                {
                    rows.Add(new SecretRow(env, name, null, null, null, null, true));
                }
            }
        }

        return [.. rows.OrderBy(r => r.Environment, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal)];
    }

    /// <summary>When the latest version is due for rotation, from the secret's <c>rotate:</c> period; null without one.</summary>
    public static DateTimeOffset? Due(SecretsSession session, SecretVersion latest) =>
        session.Manifest.Secrets.TryGetValue(latest.Name, out var declared) && declared.Rotate is { } rotate ? latest.CreatedAt + rotate.Value : null;

    public static void Write(CliConsole console, IReadOnlyList<SecretRow> rows, bool json)
    {
        var now = DateTimeOffset.UtcNow;
        if (json)
        {
            JsonOutput.Write(console.Output, w =>
            {
                w.WriteStartArray();
                foreach (var r in rows)
                {
                    w.WriteStartObject();
                    w.WriteString("environment", r.Environment);
                    w.WriteString("name", r.Name);
                    if (r.Version is { } version)
                    {
                        w.WriteNumber("version", version);
                    }
                    else
                    {
                        w.WriteNull("version");
                    }

                    w.WriteString("changedAt", r.ChangedAt?.ToString("O", CultureInfo.InvariantCulture));
                    w.WriteString("changedBy", r.ChangedBy);
                    w.WriteString("rotateDue", r.RotateDue?.ToString("O", CultureInfo.InvariantCulture));
                    w.WriteBoolean("overdue", r.Overdue(now));
                    w.WriteBoolean("declared", r.Declared);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            });
            return;
        }

        if (rows.Count == 0)
        {
            console.Output.WriteLine("no secrets");
            return;
        }

        Table(console, ["ENVIRONMENT", "NAME", "VERSION", "CHANGED", "BY", "ROTATION"], rows.Select(r => new[]
        {
            r.Environment,
            r.Name + (r.Declared ? "" : " (not declared)"),
            r.Version?.ToString(CultureInfo.InvariantCulture) ?? "-",
            r.ChangedAt is { } changed ? Date(changed) : "not set",
            r.ChangedBy ?? "",
            r.RotateDue is not { } due ? "" : due < now ? $"OVERDUE since {Date(due)}" : $"due {Date(due)}",
        }));
    }

    public static void WriteHistory(CliConsole console, IReadOnlyList<SecretVersion> versions, TimeSpan grace, DateTimeOffset now, bool json)
    {
        var latest = versions.LastOrDefault(v => v.DeletedAt is null)?.Version;
        string State(SecretVersion v, int index)
        {
            if (v.DeletedAt is { } deleted)
            {
                return $"deleted {Date(deleted)}";
            }

            if (v.Version == latest)
            {
                return "current";
            }

            var replaced = versions.Skip(index + 1).First().CreatedAt;
            return replaced + grace > now ? $"readable until {Date(replaced + grace)}" : "replaced";
        }

        if (json)
        {
            JsonOutput.Write(console.Output, w =>
            {
                w.WriteStartArray();
                for (var i = 0; i < versions.Count; i++)
                {
                    var v = versions[i];
                    w.WriteStartObject();
                    w.WriteNumber("version", v.Version);
                    w.WriteString("createdAt", v.CreatedAt.ToString("O", CultureInfo.InvariantCulture));
                    w.WriteString("createdBy", v.CreatedBy);
                    w.WriteString("keyId", v.KeyId);
                    w.WriteString("state", State(v, i));
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            });
            return;
        }

        Table(console, ["VERSION", "CREATED", "BY", "KEY", "STATE"], versions.Select((v, i) => new[]
        {
            v.Version.ToString(CultureInfo.InvariantCulture), Date(v.CreatedAt), v.CreatedBy, v.KeyId, State(v, i),
        }));
    }

    internal static string Date(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>Aligned columns; the last one is not padded.</summary>
    internal static void Table(CliConsole console, string[] headers, IEnumerable<string[]> rows)
    {
        var all = rows.Prepend(headers).ToList();
        var widths = Enumerable.Range(0, headers.Length).Select(c => all.Max(r => r[c].Length)).ToArray();
        foreach (var row in all)
        {
            console.Output.WriteLine(string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd());
        }
    }
}
