using Verify = TailGuard.Analyzers.Tests.CSharpAnalyzerVerifier<TailGuard.Analyzers.SynchronousApiInAsyncContextAnalyzer>;
using VerifyFix = TailGuard.Analyzers.Tests.CSharpCodeFixVerifier<TailGuard.Analyzers.SynchronousApiInAsyncContextAnalyzer, TailGuard.CodeFixes.SynchronousApiFixer>;

namespace TailGuard.Analyzers.Tests.Rules;

/// <summary>TG1003 in a task-returning method without <c>async</c>, on a sync-over-async <c>Dispose</c>, and its in-memory exemptions.</summary>
public sealed class SynchronousApiAwaitedContextTests
{
    [Fact]
    public async Task Wait_primitives_in_a_ValueTask_method_without_async_are_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            sealed class Pool
            {
                private readonly SemaphoreSlim _gate = new(8);
                private readonly ManualResetEventSlim _ready = new();
                private int _idle;

                public ValueTask<int> RentAsync(CancellationToken ct)
                {
                    {|TG1003:_gate.Wait(ct)|};
                    return new ValueTask<int>(_idle);
                }

                public Task WhenReadyAsync(CancellationToken ct)
                {
                    {|TG1003:_ready.Wait(ct)|};
                    return Task.CompletedTask;
                }

                public ValueTask<bool> TryRentAsync(CancellationToken ct) => new({|TG1003:_gate.Wait(100, ct)|});
            }
            """);
    }

    [Fact]
    public async Task Synchronous_io_in_a_task_returning_local_function_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.IO;
            using System.Threading.Tasks;
            sealed class Loader
            {
                public int Start(string path)
                {
                    return Load().Result.Length;

                    Task<string> Load() => Task.FromResult({|TG1003:File.ReadAllText(path)|});
                }
            }
            """);
    }

    [Fact]
    public async Task Synchronous_methods_and_non_async_lambdas_stay_out()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;
            sealed class Loader
            {
                private readonly SemaphoreSlim _gate = new(1);
                public string Load(string path) { _gate.Wait(); return File.ReadAllText(path); }
                public Func<Task> Later(string path) => () => { File.ReadAllText(path); return Task.CompletedTask; };
            }
            """);
    }

    [Fact]
    public async Task Sync_implementation_of_its_own_async_twin_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;
            sealed class CountingStream : Stream
            {
                private readonly Stream _inner;
                public CountingStream(Stream inner) => _inner = inner;
                public override bool CanRead => true;
                public override bool CanSeek => false;
                public override bool CanWrite => false;
                public override long Length => throw new NotSupportedException();
                public override long Position { get => 0; set => throw new NotSupportedException(); }
                public override void Flush() { }
                public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
                public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
                public override void SetLength(long value) => throw new NotSupportedException();
                public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
                public override Task FlushAsync(CancellationToken ct) { Flush(); return Task.CompletedTask; }
            }
            """);
    }

    [Fact]
    public async Task Dispose_that_blocks_on_DisposeAsync_is_reported_in_async_code()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            sealed class Channel : IDisposable, IAsyncDisposable
            {
                public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
                public async ValueTask DisposeAsync() => await Task.Delay(1);
            }

            sealed class Connection : IDisposable, IAsyncDisposable
            {
                private Task _closing = Task.CompletedTask;
                public void Dispose() { CloseAsync().Wait(); }
                public ValueTask DisposeAsync() => new(CloseAsync());
                private Task CloseAsync() => _closing;
            }

            sealed class Caller
            {
                public async Task UseAsync(Channel channel, Connection connection, IDisposable any)
                {
                    await Task.Yield();
                    {|#0:channel.Dispose()|};
                    {|TG1003:connection.Dispose()|};
                    ((IDisposable)channel).Dispose();
                    any.Dispose();
                }
            }
            """,
            Verify.Diagnostic("TG1003").WithLocation(0).WithArguments("Channel.Dispose", "await 'DisposeAsync' instead"));
    }

    [Fact]
    public async Task Dispose_that_only_releases_or_has_no_DisposeAsync_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;
            sealed class Lease : IDisposable, IAsyncDisposable
            {
                private readonly SemaphoreSlim _gate = new(1);
                public void Dispose() => _gate.Release();
                public ValueTask DisposeAsync() { Dispose(); return default; }
            }

            sealed class Bridge : IDisposable
            {
                public void Dispose() => Task.Delay(1).Wait();
            }

            sealed class Caller
            {
                public async Task UseAsync(Lease lease, Bridge bridge, MemoryStream buffer)
                {
                    await Task.Yield();
                    lease.Dispose();
                    bridge.Dispose();
                    buffer.Dispose();
                }
            }
            """);
    }

    [Fact]
    public async Task In_memory_pipe_completion_is_not_reported_and_a_stream_pipe_is()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.IO;
            using System.IO.Pipelines;
            using System.Threading.Tasks;
            sealed class Framer
            {
                private readonly Pipe _pipe = new();
                public async Task PumpAsync(Stream socket)
                {
                    var writer = _pipe.Writer;
                    await writer.FlushAsync();
                    writer.Complete();
                    _pipe.Reader.Complete();
                    var output = PipeWriter.Create(socket);
                    await output.FlushAsync();
                    {|TG1003:output.Complete()|};
                }
            }
            """);
    }

    [Fact]
    public async Task Reading_an_exited_process_output_is_not_reported_and_a_running_one_is()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Diagnostics;
            using System.Threading;
            using System.Threading.Tasks;
            sealed class Git
            {
                public async Task<string> RunAsync(ProcessStartInfo start, CancellationToken ct)
                {
                    using var process = Process.Start(start)!;
                    await process.WaitForExitAsync(ct);
                    return process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
                }

                public async Task<string> StreamAsync(ProcessStartInfo start)
                {
                    using var process = Process.Start(start)!;
                    var first = {|TG1003:process.StandardOutput.ReadLine()|};
                    await process.WaitForExitAsync();
                    return first ?? "";
                }
            }
            """);
    }

    [Fact]
    public async Task No_fix_is_offered_in_a_task_returning_method_without_async()
    {
        await VerifyFix.VerifyNoCodeFixAsync("""
            using System.IO;
            using System.Threading.Tasks;
            sealed class Loader
            {
                public Task<string> LoadAsync(string path) => Task.FromResult({|TG1003:File.ReadAllText(path)|});
            }
            """);
    }

    [Fact]
    public async Task Fix_awaits_DisposeAsync_for_a_blocking_Dispose()
    {
        await VerifyFix.VerifyCodeFixAsync("""
            using System;
            using System.Threading.Tasks;
            sealed class Channel : IDisposable, IAsyncDisposable
            {
                public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
                public ValueTask DisposeAsync() => default;
            }

            sealed class Caller
            {
                public async Task UseAsync(Channel channel)
                {
                    await Task.Yield();
                    {|TG1003:channel.Dispose()|};
                }
            }
            """, """
            using System;
            using System.Threading.Tasks;
            sealed class Channel : IDisposable, IAsyncDisposable
            {
                public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
                public ValueTask DisposeAsync() => default;
            }

            sealed class Caller
            {
                public async Task UseAsync(Channel channel)
                {
                    await Task.Yield();
                    await channel.DisposeAsync();
                }
            }
            """);
    }

    [Fact]
    public async Task Using_over_a_blocking_Dispose_in_async_code_is_reported_and_await_using_is_not()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.IO;
            using System.Threading.Tasks;
            sealed class Channel : IDisposable, IAsyncDisposable
            {
                public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
                public async ValueTask DisposeAsync() => await Task.Delay(1);
                public Task SendAsync() => Task.CompletedTask;
            }

            sealed class Caller
            {
                public async Task UseAsync(Func<Channel> open)
                {
                    {|#0:using|} var channel = open();
                    await channel.SendAsync();
                }

                public async Task StatementAsync(Func<Channel> open)
                {
                    {|TG1003:using|} (var channel = open())
                    {
                        await channel.SendAsync();
                    }
                }

                public async Task AwaitUsingAsync(Func<Channel> open)
                {
                    await using var channel = open();
                    using var buffer = new MemoryStream();
                    await channel.SendAsync();
                }

                public void Sync(Func<Channel> open)
                {
                    using var channel = open();
                }
            }
            """,
            Verify.Diagnostic("TG1003").WithLocation(0).WithArguments("Channel.Dispose", "use 'await using' instead"));
    }
}
