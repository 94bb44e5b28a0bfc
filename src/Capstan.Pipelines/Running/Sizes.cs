using System.Globalization;

namespace Capstan.Pipelines.Running;

/// <summary>Sizes for people: <c>812 B</c>, <c>4.2 KB</c>, <c>13.0 MB</c> (decimal units, as disks and networks count).</summary>
public static class Sizes
{
    public static string Format(long bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB"];
        double value = bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1000 && unit < units.Length - 1)
        {
            value /= 1000;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {units[unit]}");
    }
}
