namespace TailGuard.RuntimeProbe.Rendering.Html;

/// <summary>Maps data values to SVG coordinates and proposes labelled ticks.</summary>
internal abstract class Scale(double rangeStart, double rangeEnd)
{
    public double RangeStart { get; } = rangeStart;
    public double RangeEnd { get; } = rangeEnd;

    public abstract double Map(double value);

    public abstract IReadOnlyList<double> Ticks();
}

internal sealed class LinearScale : Scale
{
    private readonly double _min;
    private readonly double _max;
    private readonly double _step;

    /// <summary>A scale from <paramref name="min"/> to a round value at or above <paramref name="max"/>, or exactly to max.</summary>
    public LinearScale(double min, double max, double rangeStart, double rangeEnd, int targetTicks = 6, bool nice = true)
        : base(rangeStart, rangeEnd)
    {
        if (!(max > min))
        {
            max = min + 1;
        }

        _step = NiceStep((max - min) / targetTicks);
        _min = min;
        _max = nice ? Math.Ceiling(max / _step - 1e-9) * _step : max;
    }

    public double Max => _max;

    public double Step => _step;

    public override double Map(double value) =>
        RangeStart + (Math.Clamp(value, _min, _max) - _min) / (_max - _min) * (RangeEnd - RangeStart);

    public override IReadOnlyList<double> Ticks()
    {
        var ticks = new List<double>();
        for (var v = Math.Ceiling(_min / _step - 1e-9) * _step; v <= _max + _step * 1e-6; v += _step)
        {
            var rounded = Math.Round(v, 9);
            ticks.Add(rounded == 0 ? 0 : rounded); // never "-0"
        }

        return ticks;
    }

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="rough"/>.</summary>
    internal static double NiceStep(double rough)
    {
        if (!(rough > 0))
        {
            return 1;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var fraction = rough / magnitude;
        return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude;
    }
}

/// <summary>A log-10 scale between round values around the data, with ticks at 1, 2 and 5 per decade (decades only when wide).</summary>
internal sealed class LogScale : Scale
{
    private readonly double _logMin;
    private readonly double _logMax;

    public LogScale(double min, double max, double rangeStart, double rangeEnd)
        : base(rangeStart, rangeEnd)
    {
        min = Math.Max(min, 1e-3);
        max = Math.Max(max, min * 10);
        Min = RoundDown(min);
        Max = RoundUp(max);
        _logMin = Math.Log10(Min);
        _logMax = Math.Log10(Max);
    }

    public double Min { get; }

    public double Max { get; }

    public override double Map(double value) =>
        RangeStart + (Math.Log10(Math.Clamp(value, Min, Max)) - _logMin) / (_logMax - _logMin) * (RangeEnd - RangeStart);

    public override IReadOnlyList<double> Ticks()
    {
        var decades = _logMax - _logMin;
        double[] mantissas = decades <= 2.5 ? [1, 2, 5] : decades <= 4.5 ? [1, 3] : [1];
        var ticks = new List<double>();
        for (var e = Math.Floor(_logMin); e <= Math.Ceiling(_logMax); e++)
        {
            foreach (var m in mantissas)
            {
                var v = m * Math.Pow(10, e);
                if (v >= Min * (1 - 1e-9) && v <= Max * (1 + 1e-9))
                {
                    ticks.Add(Math.Round(v, 6));
                }
            }
        }

        return ticks;
    }

    private static double RoundDown(double v)
    {
        var p = Math.Pow(10, Math.Floor(Math.Log10(v)));
        return (v / p >= 5 ? 5 : v / p >= 2 ? 2 : 1) * p;
    }

    private static double RoundUp(double v)
    {
        var p = Math.Pow(10, Math.Floor(Math.Log10(v)));
        var m = v / p;
        return (m <= 1 + 1e-9 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
    }
}

internal static class Scales
{
    /// <summary>
    /// A latency axis: log-scale when the values span more than a factor of <paramref name="wideRatio"/> (a 2 ms median and a
    /// 900 ms tail side by side), linear from zero otherwise.
    /// </summary>
    public static Scale Latency(IEnumerable<double> values, double rangeStart, double rangeEnd, double wideRatio = 30)
    {
        var positive = values.Where(v => v > 0 && double.IsFinite(v)).ToList();
        if (positive.Count == 0)
        {
            return new LinearScale(0, 1, rangeStart, rangeEnd, targetTicks: 5);
        }

        var min = positive.Min();
        var max = positive.Max();
        return max / min > wideRatio
            ? new LogScale(min, max, rangeStart, rangeEnd)
            : new LinearScale(0, max * 1.05, rangeStart, rangeEnd, targetTicks: 5);
    }
}
