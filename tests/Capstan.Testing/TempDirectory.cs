namespace Capstan.Testing;

/// <summary>A fresh folder under the system temp folder, deleted with everything in it on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "capstan-test-")
    {
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>A path inside the folder.</summary>
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Writes a file inside the folder, creating its parent folders, and returns its full path.</summary>
    public string Write(string relativePath, string content)
    {
        var file = System.IO.Path.Combine(Path, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllText(file, content);
        return file;
    }

    /// <summary>Writes a file of bytes inside the folder, creating its parent folders, and returns its full path.</summary>
    public string Write(string relativePath, byte[] content)
    {
        var file = System.IO.Path.Combine(Path, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllBytes(file, content);
        return file;
    }

    public void Dispose()
    {
        if (!Directory.Exists(Path))
        {
            return;
        }

        // A test may have taken away permissions (e.g. to make a folder unwritable); give them back so the folder can go.
        // Never through a symbolic link: chmod follows links, and a test's link to /etc once made /etc private to root.
        if (!OperatingSystem.IsWindows())
        {
            var pending = new Stack<DirectoryInfo>([new DirectoryInfo(Path)]);
            while (pending.TryPop(out var directory))
            {
                File.SetUnixFileMode(directory.FullName, File.GetUnixFileMode(directory.FullName) | UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                foreach (var child in directory.EnumerateDirectories())
                {
                    if (child.LinkTarget is null)
                    {
                        pending.Push(child);
                    }
                }
            }
        }

        Directory.Delete(Path, recursive: true);
    }

    public override string ToString() => Path;
}
