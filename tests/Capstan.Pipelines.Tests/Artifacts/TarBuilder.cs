using System.Formats.Tar;

namespace Capstan.Pipelines.Tests.Artifacts;

/// <summary>Crafts tars entry by entry, including the malicious ones a packer would never write.</summary>
internal sealed class TarBuilder
{
    private readonly List<TarEntry> _entries = [];

    public TarBuilder Directory(string name) => Add(new GnuTarEntry(TarEntryType.Directory, name));

    public TarBuilder File(string name, string content = "x", UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite) =>
        Add(new GnuTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)),
            Mode = mode,
        });

    public TarBuilder Symlink(string name, string target) =>
        Add(new GnuTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target });

    public TarBuilder HardLink(string name, string target) =>
        Add(new GnuTarEntry(TarEntryType.HardLink, name) { LinkName = target });

    public TarBuilder Special(TarEntryType type, string name) => Add(new GnuTarEntry(type, name));

    public MemoryStream Build()
    {
        var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, TarEntryFormat.Gnu, leaveOpen: true))
        {
            foreach (var entry in _entries)
            {
                writer.WriteEntry(entry);
            }
        }

        stream.Position = 0;
        return stream;
    }

    private TarBuilder Add(TarEntry entry)
    {
        _entries.Add(entry);
        return this;
    }
}
