using Verify = TailGuard.Analyzers.Tests.CSharpAnalyzerVerifier<TailGuard.Analyzers.BlockingWhileHoldingLockAnalyzer>;

namespace TailGuard.Analyzers.Tests.Rules;

/// <summary>TG1006 and a lock that serialises an in-memory writer held in a field typed as a general <c>TextWriter</c>.</summary>
public sealed class BlockingWhileHoldingLockInMemoryTests
{
    [Fact]
    public async Task A_lock_around_a_StringWriter_log_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.IO;
            public sealed class ConnectionLog
            {
                private readonly TextWriter log = new StringWriter();
                private readonly Stream trace;

                public ConnectionLog() => trace = new MemoryStream();

                public void Write(string line)
                {
                    lock (log)
                    {
                        log.WriteLine(line);
                        log.Flush();
                    }
                }

                public void Trace(byte[] bytes)
                {
                    lock (trace) trace.Write(bytes, 0, bytes.Length);
                }
            }
            """);
    }

    [Fact]
    public async Task A_lock_around_a_writer_that_may_be_a_file_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.IO;
            public sealed class ConnectionLog
            {
                private TextWriter log = new StringWriter();

                public void Redirect(string path) => log = new StreamWriter(path);

                public void Write(string line)
                {
                    lock (log)
                    {
                        {|TG1006:log.WriteLine(line)|};
                    }
                }
            }

            public sealed class UserLog(TextWriter log)
            {
                public void Write(string line)
                {
                    lock (log) {|TG1006:log.WriteLine(line)|};
                }
            }
            """);
    }
}
