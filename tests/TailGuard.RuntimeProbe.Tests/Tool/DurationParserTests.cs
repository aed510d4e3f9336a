using TailGuard.Tool.Commands;

namespace TailGuard.RuntimeProbe.Tests.Tool;

/// <summary><c>--duration</c>: units and hh:mm:ss are read as written; a bare number is refused with a hint.</summary>
public sealed class DurationParserTests
{
    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("2m", 120_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("500ms", 500)]
    [InlineData("2s500ms", 2_500)]
    [InlineData("1.5s", 1_500)]
    [InlineData("30S", 30_000)]
    [InlineData(" 45s ", 45_000)]
    [InlineData("00:00:30", 30_000)]
    [InlineData("01:02:03", 3_723_000)]
    [InlineData("0:00:01.5", 1_500)]
    [InlineData("100:00:00", 360_000_000)]
    public void A_duration_with_units_or_as_a_clock_is_read_as_written(string text, double milliseconds)
    {
        Assert.True(DurationParser.TryParse(text, out var duration, out var error), error);

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("5", "'5' has no unit: 5s?")]
    [InlineData("2.5", "'2.5' has no unit: 2.5s?")]
    public void A_bare_number_is_refused_with_a_hint(string text, string hint)
    {
        Assert.False(DurationParser.TryParse(text, out _, out var error));

        Assert.StartsWith(hint, error, StringComparison.Ordinal);
        Assert.Contains(DurationParser.Accepts, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("1:30")]
    [InlineData("5d")]
    [InlineData("30s1m")]
    [InlineData("1m1m")]
    [InlineData("-5s")]
    [InlineData("1m 30s")]
    [InlineData("00:61:00")]
    public void Anything_else_is_refused_saying_what_is_accepted(string text)
    {
        Assert.False(DurationParser.TryParse(text, out _, out var error));

        Assert.Contains(DurationParser.Accepts, error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error!);
    }

    [Theory]
    [InlineData("0s")]
    [InlineData("00:00:00")]
    [InlineData("0ms")]
    public void Zero_is_refused(string text)
    {
        Assert.False(DurationParser.TryParse(text, out _, out var error));

        Assert.Contains("is not longer than zero", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("600h")]
    [InlineData("577h")]
    [InlineData("99999999999999999999h")]
    public void A_duration_beyond_the_session_timer_is_refused(string text)
    {
        Assert.False(DurationParser.TryParse(text, out _, out var error));

        Assert.Contains("longer than the longest session", error, StringComparison.Ordinal);
    }
}
