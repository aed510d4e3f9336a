using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;

namespace TailGuard.Samples.AdversarialService;

/// <summary>
/// How much work each endpoint does, bound from configuration (section <c>Workload</c>, e.g.
/// <c>--Workload:BlockingDelayMs=100</c>). Bad and fixed endpoints read the same values, so a phase against the fixed endpoints
/// does exactly the same work as the phase against the bad ones, only without the pattern.
/// </summary>
public sealed class WorkloadOptions
{
    /// <summary>Upstream wait of the sync-over-async and synchronous-I/O endpoints (a slow query or backend call).</summary>
    public int BlockingDelayMs { get; set; } = 50;

    /// <summary>Upstream wait of the other endpoints, which fetch their input before they compute.</summary>
    public int InputDelayMs { get; set; } = 1;

    /// <summary>Rows and columns of the CPU loop: not compile-time constants, as in real code.</summary>
    public int CpuRows { get; set; } = 400;

    public int CpuColumns { get; set; } = 10_000;
}

/// <summary>Bits of computation shared by the bad and the fixed endpoints, so that only the pattern differs.</summary>
public static class Work
{
    /// <summary>Size of the report buffer: 1 MiB, far above the 85,000-byte large-object-heap threshold.</summary>
    public const int ReportBytes = 1 << 20;

    /// <summary>Fills <paramref name="buffer"/> with a report built from the quote; returns the bytes written.</summary>
    public static int RenderReport(string quote, Span<byte> buffer)
    {
        var line = Encoding.ASCII.GetBytes(quote);
        var written = 0;
        while (written + line.Length <= buffer.Length)
        {
            line.CopyTo(buffer[written..]);
            written += line.Length;
        }

        return written;
    }

    /// <summary>A cheap checksum of the report, so the work stays on the allocation and not on hashing.</summary>
    public static ulong Checksum(ReadOnlySpan<byte> report)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(report);
        ulong checksum = 0;
        foreach (var word in words)
        {
            checksum = BitOperations.RotateLeft(checksum, 5) ^ word;
        }

        return checksum;
    }

    public static string Summarize(string quote) => $"{quote.Length} bytes from upstream";
}

/// <summary>
/// A 256-byte value type (four 4×4 matrices), the kind of struct that quietly ends up in an async state machine.
/// </summary>
public readonly struct RiskModel
{
    private readonly Matrix4x4 _exposure;
    private readonly Matrix4x4 _correlation;
    private readonly Matrix4x4 _shock;
    private readonly Matrix4x4 _hedge;

    private RiskModel(Matrix4x4 exposure, Matrix4x4 correlation, Matrix4x4 shock, Matrix4x4 hedge)
    {
        _exposure = exposure;
        _correlation = correlation;
        _shock = shock;
        _hedge = hedge;
    }

    public static RiskModel Create(int seed)
    {
        var scale = 1 + (seed % 7);
        return new RiskModel(
            Matrix4x4.CreateScale(scale),
            Matrix4x4.CreateRotationX(seed * 0.01f),
            Matrix4x4.CreateRotationY(seed * 0.02f),
            Matrix4x4.CreateTranslation(seed, scale, 1));
    }

    public RiskModel Stress(float factor) =>
        new(_exposure * factor, _correlation, _shock * _correlation, _hedge);

    public float Score(int quoteLength)
    {
        var combined = _exposure * _correlation * _shock * _hedge;
        return combined.GetDeterminant() + quoteLength;
    }
}
