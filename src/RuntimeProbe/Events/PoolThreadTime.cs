namespace TailGuard.RuntimeProbe.Events;

/// <summary>
/// Sampled time of busy thread-pool worker threads (Microsoft-DotNETCore-SampleProfiler) at one call site, summed over one
/// short slice of the session that starts at <see cref="ProbeEvent.TimestampMs"/> and lasts <paramref name="SliceMs"/>.
/// Sources resolve the samples' stacks only when their session stops (after the rundown), so these arrive late, in bulk.
/// </summary>
/// <param name="Site">The user's method that held the thread, as written (<c>Shop.Orders.Load</c>); null when the thread ran
/// only framework code (it still counts in the busy pool time).</param>
/// <param name="Call">The blocking API the site called (<c>Thread.Sleep</c>, <c>Socket.Receive</c>), when one is on the stack.</param>
/// <param name="Running">The thread ran managed code when sampled; otherwise it was blocked or in native code.</param>
/// <param name="ThreadMs">Thread time the samples stand for (each sample weighs the time since that thread's previous one).</param>
/// <param name="File">The site's source file, when its IL offset and the target's PDB resolved it.</param>
/// <param name="Line">The site's line in <paramref name="File"/>.</param>
/// <param name="NoLineReason">Why a site has no line (ready-to-run code, no PDB), when it has none.</param>
public sealed record PoolThreadTime(
    double TimestampMs, double SliceMs, string? Site, string? Call, bool Running, double ThreadMs, int Samples,
    string? File = null, int? Line = null, string? NoLineReason = null) : ProbeEvent(TimestampMs);

/// <summary>
/// One run of a work item's user code on a pool thread that lasted at least the probe's threshold without the thread returning
/// to the pool's dispatcher, seen in consecutive samples of that thread at the same site.
/// </summary>
public sealed record MonopolizingWorkItem(double TimestampMs, string Site, double DurationMs, string? File = null, int? Line = null)
    : ProbeEvent(TimestampMs);
