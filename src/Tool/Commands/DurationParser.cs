using System.Globalization;
using System.Text.RegularExpressions;

namespace TailGuard.Tool.Commands;

/// <summary>
/// Parses <c>--duration</c>: <c>30s</c>, <c>2m</c>, <c>1m30s</c>, <c>1h</c>, <c>500ms</c>, <c>1.5s</c> or <c>hh:mm:ss</c>.
/// </summary>
/// <remarks>
/// A bare number is refused with a hint rather than read as <see cref="TimeSpan.Parse(string)"/> reads it: "5" there is five
/// days, which no one who types it means. <c>1:30</c> is refused for the same reason (an hour and a half, or 90 seconds?).
/// </remarks>
internal static partial class DurationParser
{
    /// <summary>The longest duration: the session's timer (<see cref="CancellationTokenSource.CancelAfter(TimeSpan)"/>) takes at most about 24.8 days.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(24);

    public const string Accepts = "it accepts 30s, 2m, 1m30s, 1h, 500ms or hh:mm:ss";

    // Units largest first: each at most once and in this order (1h30m, 1m30s, 2s500ms).
    private static readonly (string Unit, double Ms)[] Units = [("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)];

    [GeneratedRegex(@"\G(?<value>\d+(\.\d+)?)(?<unit>ms|h|m|s)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Part();

    [GeneratedRegex(@"^(?<h>\d+):(?<m>[0-5]?\d):(?<s>[0-5]?\d(\.\d+)?)$", RegexOptions.CultureInvariant)]
    private static partial Regex Clock();

    [GeneratedRegex(@"^\d+(\.\d+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex BareNumber();

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says why and what is accepted, in one line.</summary>
    public static bool TryParse(string? text, out TimeSpan duration, out string? error)
    {
        duration = TimeSpan.Zero;
        error = null;
        var trimmed = (text ?? "").Trim();
        double? ms = trimmed.Length == 0 ? null : Clock().Match(trimmed) is { Success: true } clock ? ClockMs(clock) : UnitsMs(trimmed);
        if (ms is null)
        {
            error = BareNumber().IsMatch(trimmed)
                ? $"'{trimmed}' has no unit: {trimmed}s? ({Accepts})."
                : $"'{trimmed}' is not a duration; {Accepts}.";
            return false;
        }

        if (ms <= 0)
        {
            error = $"'{trimmed}' is not longer than zero; {Accepts}.";
            return false;
        }

        if (ms > Max.TotalMilliseconds)
        {
            error = $"'{trimmed}' is longer than the longest session ({Max.TotalHours:0}h); stop a longer one with Ctrl+C or SIGTERM.";
            return false;
        }

        duration = TimeSpan.FromMilliseconds(ms.Value);
        return true;
    }

    private static double ClockMs(Match clock) =>
        Number(clock.Groups["h"].Value) * 3_600_000 + Number(clock.Groups["m"].Value) * 60_000 + Number(clock.Groups["s"].Value) * 1000;

    private static double? UnitsMs(string text)
    {
        var total = 0.0;
        var position = 0;
        var next = 0; // the index in Units of the smallest unit still allowed
        while (position < text.Length)
        {
            var match = Part().Match(text, position);
            if (!match.Success)
            {
                return null;
            }

            var unit = Array.FindIndex(Units, u => string.Equals(u.Unit, match.Groups["unit"].Value, StringComparison.OrdinalIgnoreCase));
            if (unit < next)
            {
                return null;
            }

            total += Number(match.Groups["value"].Value) * Units[unit].Ms;
            next = unit + 1;
            position += match.Length;
        }

        return total;
    }

    private static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
}
