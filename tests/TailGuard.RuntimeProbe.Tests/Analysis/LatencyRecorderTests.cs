using TailGuard.RuntimeProbe.Attribution;

namespace TailGuard.RuntimeProbe.Tests.Analysis;

public sealed class LatencyRecorderTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(2)]
    public void Buckets_from_the_top_are_all_buckets_in_reverse(int significantDigits)
    {
        var random = new Random(5);
        var recorder = new LatencyRecorder(significantDigits);
        for (var i = 0; i < 20_000; i++)
        {
            // From sub-microsecond to minutes, with ties and zeros.
            recorder.Record(i % 97 == 0 ? 0 : Math.Round(Math.Exp(random.NextDouble() * 18 - 7), i % 3));
        }

        Assert.Equal(recorder.Buckets().Reverse(), recorder.BucketsDescending());
    }

    [Fact]
    public void An_empty_recorder_has_no_buckets_from_the_top()
    {
        Assert.Empty(new LatencyRecorder().BucketsDescending());
    }

    [Fact]
    public void The_largest_buckets_of_several_recorders_come_largest_first_and_equal_values_in_recorder_order()
    {
        var recorders = new[] { new LatencyRecorder(), new LatencyRecorder(), new LatencyRecorder() };
        recorders[0].Record(5);
        recorders[0].Record(1);
        recorders[1].Record(5);
        recorders[1].Record(9);
        recorders[2].Record(1);

        var merged = new LargestBuckets(recorders);
        var read = new List<(long Value, int Index, long Count)>();
        for (var i = 0; merged.Has(i); i++)
        {
            read.Add(merged[i]);
        }

        var expected = recorders
            .SelectMany((r, index) => r.Buckets().Select(b => (b.Value, index, b.Count)))
            .OrderByDescending(b => b.Value)
            .ThenBy(b => b.index)
            .ToList();
        Assert.Equal(expected, read);
        Assert.Equal([1, 0, 1, 0, 2], read.Select(b => b.Index));
    }
}
