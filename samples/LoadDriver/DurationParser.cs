using System.Globalization;

namespace TailGuard.Samples.LoadDriver;

/// <summary>Parses durations written as <c>500ms</c>, <c>10s</c>, <c>2m</c> or <c>00:00:10</c>.</summary>
public static class DurationParser
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        (string Suffix, double Milliseconds)[] units = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)];
        foreach (var (suffix, milliseconds) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                && value >= 0 && double.IsFinite(value))
            {
                duration = TimeSpan.FromMilliseconds(value * milliseconds);
                return true;
            }
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration);
    }
}
