using System.Globalization;
using System.Text.Json;
using Capstan.Runtime.Instances;

namespace Capstan.Runtime.Supervision;

/// <summary>
/// The files of one instance under <c>.capstan/instances/&lt;id&gt;/</c>: <c>instance.json</c> (the supervisor's record),
/// <c>child.pid</c> and <c>exit.json</c> (written by the shim), <c>shim.log</c> (the shim's own output) and <c>logs/</c>
/// (the service's output). Every file is replaced whole through a rename, so a reader sees the old or the new one.
/// </summary>
internal sealed class InstanceFiles
{
    public InstanceFiles(string directory)
    {
        Directory = Path.GetFullPath(directory);
    }

    public string Directory { get; }

    public string Record => Path.Combine(Directory, "instance.json");

    public string ChildPid => Path.Combine(Directory, "child.pid");

    public string Exit => Path.Combine(Directory, "exit.json");

    public string ShimLog => Path.Combine(Directory, "shim.log");

    public string Logs => Path.Combine(Directory, "logs");

    /// <summary>The record; null when there is none.</summary>
    /// <exception cref="RuntimeException">The record cannot be read or is not valid JSON of a known version.</exception>
    public InstanceRecord? ReadRecord()
    {
        var record = Read(Record, RuntimeJson.Default.InstanceRecord);
        if (record is { Version: not InstanceRecord.CurrentVersion })
        {
            throw new RuntimeException($"{Record} has version {record.Version}; this Capstan reads version {InstanceRecord.CurrentVersion}");
        }

        return record;
    }

    public void WriteRecord(InstanceRecord record) =>
        WriteAtomically(Record, JsonSerializer.SerializeToUtf8Bytes(record, RuntimeJson.Default.InstanceRecord));

    /// <summary>How the last process ended; null while it runs (or when it was never started).</summary>
    public InstanceExit? ReadExit() => Read(Exit, RuntimeJson.Default.InstanceExit);

    public void WriteExit(InstanceExit exit) =>
        WriteAtomically(Exit, JsonSerializer.SerializeToUtf8Bytes(exit, RuntimeJson.Default.InstanceExit));

    /// <summary>The service's pid as the shim wrote it; null before the shim started it.</summary>
    public int? ReadChildPid()
    {
        try
        {
            return int.TryParse(File.ReadAllText(ChildPid).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void WriteChildPid(int pid) =>
        WriteAtomically(ChildPid, System.Text.Encoding.ASCII.GetBytes(pid.ToString(CultureInfo.InvariantCulture) + "\n"));

    /// <summary>Removes what a previous start left: its exit record and pid file.</summary>
    public void ClearRun()
    {
        File.Delete(Exit);
        File.Delete(ChildPid);
    }

    /// <summary>The end of <c>shim.log</c>, for an error message when a shim died without a word in <c>exit.json</c>.</summary>
    public string? ShimLogTail(int maxChars = 1000)
    {
        try
        {
            var text = File.ReadAllText(ShimLog).Trim();
            return text.Length == 0 ? null : text.Length <= maxChars ? text : "…" + text[^maxChars..];
        }
        catch (IOException)
        {
            return null;
        }
    }

    internal static void WriteAtomically(string path, byte[] content)
    {
        var temporary = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temporary, content);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static T? Read<T>(string path, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(bytes, type) ?? throw new RuntimeException($"{path} holds null");
        }
        catch (JsonException e)
        {
            throw new RuntimeException($"{path} is not valid: {e.Message}", e);
        }
    }
}
