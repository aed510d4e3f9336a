using Verify = TailGuard.Analyzers.Tests.CSharpAnalyzerVerifier<TailGuard.Analyzers.StateMachineSizeAnalyzer>;

namespace TailGuard.Analyzers.Tests.Rules;

public sealed class StateMachineSizeAnalyzerTests
{
    private const string Structs = """
        public struct Block { public long A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P; }
        """;

    [Fact]
    public async Task Method_hoisting_large_structs_is_reported_with_its_estimate_and_largest_fields()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            public class Pricing
            {
                public async Task<long> {|#0:RevalueAsync|}(Block input, Task pending)
                {
                    var copy = input;
                    copy.A++;
                    await pending;
                    return copy.A + input.P;
                }
            }
            """ + Structs,
            Verify.Diagnostic("TG3001").WithLocation(0)
                .WithArguments("RevalueAsync", 288, 192, "input (128 bytes), copy (128 bytes), pending (8 bytes)"));
    }

    [Fact]
    public async Task Small_method_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            public class Orders
            {
                public async Task<int> CountAsync(string id, CancellationToken ct)
                {
                    await Task.Delay(1, ct);
                    return id.Length;
                }
            }
            """);
    }

    [Fact]
    public async Task Large_struct_local_that_dies_before_the_await_is_not_counted()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            public class Pricing
            {
                public async Task<long> SumAsync(Task pending)
                {
                    var a = new Block { A = 1 };
                    var b = new Block { B = 2 };
                    var sum = a.A + b.B;
                    await pending;
                    return sum;
                }
            }
            """ + Structs);
    }

    [Fact]
    public async Task Debug_builds_hoist_every_local_and_are_estimated_as_such_with_the_option()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            public class Pricing
            {
                public async Task<long> {|#0:SumAsync|}(Task pending)
                {
                    var a = new Block { A = 1 };
                    var b = new Block { B = 2 };
                    var sum = a.A + b.B;
                    await pending;
                    return sum;
                }
            }
            """ + Structs,
            editorConfig: "TG3001.estimate_build_configuration = true\n",
            optimize: false,
            Verify.Diagnostic("TG3001").WithLocation(0)
                .WithArguments("SumAsync", 320, 192, "a (128 bytes), b (128 bytes), this (8 bytes)"));
    }

    [Fact]
    public async Task Budget_is_read_from_editorconfig()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            public class Orders
            {
                public async Task<int> {|#0:CountAsync|}(string id, CancellationToken ct)
                {
                    await Task.Delay(1, ct);
                    return id.Length;
                }
            }
            """,
            editorConfig: "TG3001.max_state_machine_bytes = 32",
            optimize: true,
            Verify.Diagnostic("TG3001").WithLocation(0)
                .WithArguments("CountAsync", 40, 32, "id (8 bytes), ct (8 bytes), <>t__builder (8 bytes)"));
    }

    [Fact]
    public async Task Async_lambdas_and_local_functions_are_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            public class Pricing
            {
                public Func<Task<long>> Make(Block input, Task pending)
                {
                    return {|#0:async|} () =>
                    {
                        var copy = input;
                        var other = input;
                        await pending;
                        return copy.A + other.B;
                    };
                }

                public Task<long> Run(Task pending)
                {
                    return Local();

                    async Task<long> {|#1:Local|}()
                    {
                        var a = new Block();
                        var b = new Block();
                        await pending;
                        return a.A + b.B;
                    }
                }
            }
            """ + Structs,
            Verify.Diagnostic("TG3001").WithLocation(0).WithArguments("async lambda", 288, 192, "copy (128 bytes), other (128 bytes), closure (8 bytes)"),
            Verify.Diagnostic("TG3001").WithLocation(1).WithArguments("Local", 288, 192, "a (128 bytes), b (128 bytes), closure (8 bytes)"));
    }

    [Fact]
    public async Task Synchronous_methods_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            public class Pricing
            {
                public Task<long> Revalue(Block input, Block other) => Task.FromResult(input.A + other.B);
            }
            """ + Structs);
    }

    [Fact]
    public async Task Half_typed_code_does_not_crash_the_analyzer()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            public class Pricing
            {
                public async Task<long> RevalueAsync(Block input)
                {
                    var x = {|CS0103:Missing|}(input);
                    await {|CS0103:nothing|};
                    return x;
                }
            }
            """ + Structs);
    }

    [Fact]
    public async Task Debug_builds_are_estimated_for_the_Release_layout_they_ship_as()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            public class Pricing
            {
                public async Task<long> SumAsync(Task pending)
                {
                    var a = new Block { A = 1 };
                    var b = new Block { B = 2 };
                    var sum = a.A + b.B;
                    await pending;
                    return sum;
                }

                public async Task<long> {|#0:RevalueAsync|}(Block input, Task pending)
                {
                    var copy = input;
                    copy.A++;
                    await pending;
                    return copy.A + input.P;
                }
            }
            """ + Structs,
            editorConfig: null,
            optimize: false,
            Verify.Diagnostic("TG3001").WithLocation(0)
                .WithArguments("RevalueAsync", 288, 192, "input (128 bytes), copy (128 bytes), pending (8 bytes)"));
    }

    [Fact]
    public async Task Long_lived_dispatch_loops_are_not_reported_by_default()
    {
        await Verify.VerifyAnalyzerAsync(DispatchLoops.Replace("{|NONE:", "").Replace("|NONE}", "") + Structs, SmallBudget);
    }

    [Fact]
    public async Task Long_lived_dispatch_loops_are_reported_with_the_option()
    {
        await Verify.VerifyAnalyzerAsync(
            DispatchLoops.Replace("{|NONE:", "{|TG3001:").Replace("|NONE}", "|}") + Structs,
            SmallBudget + "TG3001.include_long_lived_loops = true\n");
    }

    [Fact]
    public async Task Per_operation_loops_are_still_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;
            public class Client
            {
                public async Task<long> {|TG3001:RetryAsync|}(Block request, Func<Block, Task<long>> send)
                {
                    while (true)
                    {
                        try { return await send(request); }
                        catch (IOException) { await Task.Delay(10); }
                    }
                }

                public async Task {|TG3001:CopyAsync|}(Block header, Stream from, Stream to, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    int n;
                    while ((n = await from.ReadAsync(buffer, ct)) > 0)
                    {
                        await to.WriteAsync(buffer.AsMemory(0, n), ct);
                    }

                    Console.WriteLine(header.A);
                }
            }
            """ + Structs, SmallBudget);
    }

    private const string SmallBudget = "TG3001.max_state_machine_bytes = 128\n";

    private const string DispatchLoops = """
        using System.IO.Pipelines;
        using System.Threading;
        using System.Threading.Channels;
        using System.Threading.Tasks;
        public class Connection
        {
            public async Task {|NONE:ReadLoopAsync|NONE}(Block session, PipeReader input, CancellationToken ct)
            {
                while (!ct.IsCancellationRequested)
                {
                    var result = await input.ReadAsync(ct);
                    input.AdvanceTo(result.Buffer.End);
                    if (result.IsCompleted) break;
                }

                System.Console.WriteLine(session.A);
            }

            public async Task {|NONE:DispatchAsync|NONE}(Block session, ChannelReader<int> commands)
            {
                while (await commands.WaitToReadAsync())
                {
                    while (commands.TryRead(out var command)) System.Console.WriteLine(command + session.B);
                }
            }

            public async Task {|NONE:PumpAsync|NONE}(Block session, ChannelReader<int> commands, CancellationToken ct)
            {
                await foreach (var command in commands.ReadAllAsync(ct))
                {
                    await Task.Yield();
                    System.Console.WriteLine(command + session.C);
                }
            }

            public async Task {|NONE:HeartbeatAsync|NONE}(Block session, CancellationToken ct)
            {
                for (;;)
                {
                    await Task.Delay(1000, ct);
                    System.Console.WriteLine(session.D);
                }
            }
        }

        """;
}
