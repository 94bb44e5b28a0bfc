using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace Capstan.Observability.Alerting;

/// <summary>
/// The JSON body of Alertmanager's webhook, version 4, field for field and in Alertmanager's order: <c>receiver</c>,
/// <c>status</c>, <c>alerts</c> (<c>status</c>, <c>labels</c>, <c>annotations</c>, <c>startsAt</c>, <c>endsAt</c>,
/// <c>generatorURL</c>, <c>fingerprint</c>), <c>groupLabels</c>, <c>commonLabels</c>, <c>commonAnnotations</c>,
/// <c>externalURL</c>, <c>version</c>, <c>groupKey</c>, <c>truncatedAlerts</c>. Tools written for Alertmanager's
/// webhook read it unchanged. Times are RFC 3339 in UTC as Go writes them; an unset end is <c>0001-01-01T00:00:00Z</c>.
/// </summary>
public static class AlertmanagerPayload
{
    public const string Version = "4";

    /// <summary>Go's zero time, which Alertmanager writes for an alert that has not ended.</summary>
    public const string ZeroTime = "0001-01-01T00:00:00Z";

    // Escapes what Go's encoding/json escapes (<, >, & and the like) but leaves letters of every script readable.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) };

    /// <param name="notification">What to send.</param>
    /// <param name="externalUrl">Where Capstan can be reached (<c>externalURL</c>, and each alert's <c>generatorURL</c>); empty when not set.</param>
    public static byte[] Serialize(Notification notification, string? externalUrl = null)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("receiver", notification.Receiver);
            json.WriteString("status", Status(notification.Status == NotificationStatus.Firing));
            json.WriteStartArray("alerts");
            foreach (var alert in notification.Alerts)
            {
                json.WriteStartObject();
                json.WriteString("status", Status(alert.IsFiring));
                WriteLabels(json, "labels", alert.Labels);
                WriteLabels(json, "annotations", alert.Annotations);
                json.WriteString("startsAt", FormatTime(alert.StartsAt ?? alert.ActiveSince));
                json.WriteString("endsAt", FormatTime(alert.IsResolved ? alert.EndsAt : null));
                json.WriteString("generatorURL", externalUrl ?? "");
                json.WriteString("fingerprint", alert.Fingerprint);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            WriteLabels(json, "groupLabels", notification.GroupLabels);
            WriteLabels(json, "commonLabels", Common(notification.Alerts.Select(a => a.Labels)));
            WriteLabels(json, "commonAnnotations", Common(notification.Alerts.Select(a => a.Annotations)));
            json.WriteString("externalURL", externalUrl ?? "");
            json.WriteString("version", Version);
            json.WriteString("groupKey", notification.GroupKey);
            json.WriteNumber("truncatedAlerts", 0);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    public static string SerializeToString(Notification notification, string? externalUrl = null) =>
        Encoding.UTF8.GetString(Serialize(notification, externalUrl));

    /// <summary>RFC 3339 in UTC with the fraction Go's <c>time.RFC3339Nano</c> writes (trailing zeros dropped); null is Go's zero time.</summary>
    public static string FormatTime(DateTimeOffset? time)
    {
        if (time is not { } value)
        {
            return ZeroTime;
        }

        var utc = value.UtcDateTime;
        var text = utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        var fraction = utc.Ticks % TimeSpan.TicksPerSecond;
        return fraction == 0
            ? text + "Z"
            : text + "." + fraction.ToString("0000000", CultureInfo.InvariantCulture).TrimEnd('0') + "Z";
    }

    /// <summary>The labels every one of the sets has with the same value, as Alertmanager's <c>commonLabels</c>.</summary>
    public static LabelSet Common(IEnumerable<LabelSet> sets)
    {
        ArgumentNullException.ThrowIfNull(sets);
        LabelSet? common = null;
        foreach (var set in sets)
        {
            common = common is null ? set : LabelSet.From(common.Where(l => set[l.Key] == l.Value));
        }

        return common ?? LabelSet.Empty;
    }

    private static string Status(bool firing) => firing ? "firing" : "resolved";

    private static void WriteLabels(Utf8JsonWriter json, string name, LabelSet labels)
    {
        json.WriteStartObject(name);
        foreach (var (key, value) in labels)
        {
            json.WriteString(key, value);
        }

        json.WriteEndObject();
    }
}
