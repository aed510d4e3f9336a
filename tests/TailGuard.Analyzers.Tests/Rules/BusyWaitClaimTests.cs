using Verify = TailGuard.Analyzers.Tests.CSharpAnalyzerVerifier<TailGuard.Analyzers.BusyWaitAnalyzer>;

namespace TailGuard.Analyzers.Tests.Rules;

/// <summary>TG2002 and a <c>SpinWait</c> waiting for the next statement of a thread that already made its <c>Interlocked</c> claim.</summary>
public sealed class BusyWaitClaimTests
{
    private const string Sequencer = """
        using System.Threading;
        public sealed class Sequencer
        {
            private long reserved;
            private long published;
            private int nextId;
            private int wrapping;

            public long Publish()
            {
                var ticket = Interlocked.Increment(ref reserved);
                var spinner = new SpinWait();
                while (Volatile.Read(ref published) != ticket - 1) spinner.SpinOnce();
                Volatile.Write(ref published, ticket);
                return ticket;
            }

            public int NextId()
            {
                var id = Interlocked.Increment(ref nextId);
                if (id == 0)
                {
                    var spinner = new SpinWait();
                    while (Volatile.Read(ref wrapping) != 0) spinner.SpinOnce();
                }

                return id;
            }
        }
        """;

    [Fact]
    public async Task A_spin_for_a_claim_already_made_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync(Sequencer);
    }

    [Fact]
    public async Task It_is_reported_with_report_claim_waits()
    {
        await Verify.VerifyAnalyzerAsync(
            Sequencer.Replace("        while (Volatile.Read(ref published)", "        {|TG2002:while|} (Volatile.Read(ref published)", StringComparison.Ordinal)
                .Replace("            while (Volatile.Read(ref wrapping)", "            {|TG2002:while|} (Volatile.Read(ref wrapping)", StringComparison.Ordinal),
            editorConfig: BusyWaitAnalyzer.ReportClaimWaitsKey + " = true");
    }

    [Fact]
    public async Task A_spin_for_a_flag_of_unknown_distance_is_still_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            public sealed class Startup
            {
                private volatile bool ready;
                private int users;

                public void WaitUntilReady()
                {
                    var count = Interlocked.Increment(ref users);
                    var spinner = new SpinWait();
                    {|TG2002:while|} (!ready) spinner.SpinOnce();
                    {|TG2002:while|} (!ready && count > 0) Thread.SpinWait(10);
                }
            }
            """);
    }
}
