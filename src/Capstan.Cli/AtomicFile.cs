namespace Capstan.Cli;

/// <summary>Writes files so that a reader never sees half of one: a temporary file beside the target, then a rename.</summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="content"/>; with <paramref name="overwrite"/> false, refuses an existing target.</summary>
    public static void Write(string path, string content, bool overwrite)
    {
        var folder = Path.GetDirectoryName(path) ?? ".";
        if (!Directory.Exists(folder))
        {
            throw new CommandException($"cannot write {path}: the folder {folder} does not exist");
        }

        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            File.WriteAllText(temporary, content);
            // Without overwrite, .NET renames with link+unlink, which fails when the target appeared meanwhile.
            File.Move(temporary, path, overwrite);
        }
        catch (IOException) when (!overwrite && File.Exists(path))
        {
            throw new CommandException($"{path} already exists; Capstan does not overwrite it");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"cannot write {path}: {ex.Message}");
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
