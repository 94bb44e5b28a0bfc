using System.Text;
using System.Text.Json;

namespace Capstan.State;

/// <summary>
/// The text each enum member is stored as. These names are part of the schema: never change one; a new member
/// needs a new migration (even an empty one), so that older builds refuse a database that may hold it.
/// </summary>
internal static class StoredNames
{
    public static readonly StoredEnum<RunStatus> RunStatus = new(
        (State.RunStatus.Queued, "queued"),
        (State.RunStatus.Running, "running"),
        (State.RunStatus.Succeeded, "succeeded"),
        (State.RunStatus.Failed, "failed"),
        (State.RunStatus.Cancelled, "cancelled"));

    public static readonly StoredEnum<JobStatus> JobStatus = new(
        (State.JobStatus.Pending, "pending"),
        (State.JobStatus.Running, "running"),
        (State.JobStatus.Succeeded, "succeeded"),
        (State.JobStatus.Failed, "failed"),
        (State.JobStatus.Cancelled, "cancelled"),
        (State.JobStatus.Skipped, "skipped"));

    public static readonly StoredEnum<DeploymentStatus> DeploymentStatus = new(
        (State.DeploymentStatus.Pending, "pending"),
        (State.DeploymentStatus.InProgress, "in_progress"),
        (State.DeploymentStatus.Paused, "paused"),
        (State.DeploymentStatus.RollingBack, "rolling_back"),
        (State.DeploymentStatus.Succeeded, "succeeded"),
        (State.DeploymentStatus.Failed, "failed"),
        (State.DeploymentStatus.RolledBack, "rolled_back"),
        (State.DeploymentStatus.Cancelled, "cancelled"));

    public static readonly StoredEnum<AlertStatus> AlertStatus = new(
        (State.AlertStatus.Pending, "pending"),
        (State.AlertStatus.Firing, "firing"),
        (State.AlertStatus.Resolved, "resolved"));

    public static readonly StoredEnum<ApiTokenRole> ApiTokenRole = new(
        (State.ApiTokenRole.Admin, "admin"));

    public static readonly StoredEnum<IncidentStatus> IncidentStatus = new(
        (State.IncidentStatus.Open, "open"),
        (State.IncidentStatus.Acknowledged, "acknowledged"),
        (State.IncidentStatus.Resolved, "resolved"));

    public static readonly StoredEnum<IncidentEventKind> IncidentEventKind = new(
        (State.IncidentEventKind.Opened, "opened"),
        (State.IncidentEventKind.Alert, "alert"),
        (State.IncidentEventKind.Acknowledged, "acknowledged"),
        (State.IncidentEventKind.Note, "note"),
        (State.IncidentEventKind.Escalated, "escalated"),
        (State.IncidentEventKind.Resolved, "resolved"),
        (State.IncidentEventKind.Deployment, "deployment"),
        (State.IncidentEventKind.Rollback, "rollback"),
        (State.IncidentEventKind.Secret, "secret"),
        (State.IncidentEventKind.Severity, "severity"));

    public static readonly StoredEnum<NotificationStatus> NotificationStatus = new(
        (State.NotificationStatus.Firing, "firing"),
        (State.NotificationStatus.Resolved, "resolved"));

    public static readonly StoredEnum<NotificationOutcome> NotificationOutcome = new(
        (State.NotificationOutcome.Delivered, "delivered"),
        (State.NotificationOutcome.Failed, "failed"),
        (State.NotificationOutcome.Retrying, "retrying"));
}

internal sealed class StoredEnum<T>
    where T : struct, Enum
{
    private readonly Dictionary<T, string> _names;
    private readonly Dictionary<string, T> _values;

    public StoredEnum(params (T Value, string Name)[] names)
    {
        _names = names.ToDictionary(n => n.Value, n => n.Name);
        _values = names.ToDictionary(n => n.Name, n => n.Value, StringComparer.Ordinal);
        var missing = Enum.GetValues<T>().Where(v => !_names.ContainsKey(v)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"{typeof(T).Name} has no stored name for {string.Join(", ", missing)}.");
        }
    }

    public string Name(T value) =>
        _names.TryGetValue(value, out var name)
            ? name
            : throw new ArgumentOutOfRangeException(nameof(value), value, $"Not a {typeof(T).Name}.");

    public T Parse(string name) =>
        _values.TryGetValue(name, out var value)
            ? value
            : throw new InvalidDataException($"The state store holds '{name}', which is not a {typeof(T).Name} this build knows.");
}

/// <summary>Dictionaries stored as JSON objects with their keys in ordinal order, so equal dictionaries store as equal text.</summary>
internal static class JsonMaps
{
    public static string Write(IReadOnlyDictionary<string, int> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        return Write(map, static (writer, value) => writer.WriteNumberValue(value));
    }

    public static string Write(IReadOnlyDictionary<string, string> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        return Write(map, static (writer, value) => writer.WriteStringValue(value));
    }

    public static IReadOnlyDictionary<string, int> ReadInt32Map(string json) =>
        Read(json, static element => element.GetInt32());

    public static IReadOnlyDictionary<string, string> ReadStringMap(string json) =>
        Read(json, static element => element.GetString() ?? string.Empty);

    private static string Write<T>(IReadOnlyDictionary<string, T> map, Action<Utf8JsonWriter, T> writeValue)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in map.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                writer.WritePropertyName(key);
                writeValue(writer, value);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static Dictionary<string, T> Read<T>(string json, Func<JsonElement, T> readValue)
    {
        using var document = JsonDocument.Parse(json);
        var map = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            map[property.Name] = readValue(property.Value);
        }

        return map;
    }
}

/// <summary>Lists of text stored as JSON arrays.</summary>
internal static class JsonLists
{
    public static string Write(IEnumerable<string> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var item in items)
            {
                writer.WriteStringValue(item);
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static IReadOnlyList<string> Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray().Select(element => element.GetString() ?? string.Empty).ToArray();
    }
}
