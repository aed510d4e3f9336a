using Microsoft.CodeAnalysis;
using TailGuard.Analyzers.StateMachines;
using TailGuard.TestSupport;

namespace TailGuard.Analyzers.Tests.StateMachines;

/// <summary>
/// A finally that awaits (written, or the DisposeAsync of an <c>await using</c> or <c>await foreach</c>) keeps, live across its
/// awaits, the pending exception, the pending branch and, when a <c>return value;</c> leaves through it, the return value: one
/// set per finally. The retry helper of the precision corpus (two <c>await using</c> around a <c>return</c>) is 136 bytes at run
/// time; the estimate once left out both return values (128) and the cheap bound the await-using state altogether (120), below
/// the estimate it gates. Checked against Unsafe.SizeOf of what Roslyn generates in Release.
/// </summary>
public sealed class AwaitingFinallyStateTests
{
    private const string Source = """
        #nullable disable
        using System;
        using System.Collections.Generic;
        using System.Data.Common;
        using System.IO;
        using System.Threading;
        using System.Threading.Tasks;

        public sealed class OrderQueries
        {
            private readonly Func<DbConnection> _connect = null;

            public async Task<int> ScalarAsync(string sql, CancellationToken ct)
            {
                await using var connection = _connect();
                await connection.OpenAsync(ct).ConfigureAwait(false);
                await using var command = connection.CreateCommand();
                command.CommandText = sql;
                return Convert.ToInt32(await command.ExecuteScalarAsync(ct).ConfigureAwait(false));
            }

            public async Task ExecuteAsync(string sql, CancellationToken ct)
            {
                await using var connection = _connect();
                await connection.OpenAsync(ct).ConfigureAwait(false);
                await using var command = connection.CreateCommand();
                command.CommandText = sql;
                await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            public static async Task<long> UsingStatementReturnsLong(Func<Stream> open)
            {
                await using (var stream = open())
                {
                    await stream.FlushAsync();
                    return stream.Length;
                }
            }

            public static async Task<string> FinallyAwaitsAroundReturn(Func<Task<string>> load, Func<Task> release)
            {
                try
                {
                    return await load();
                }
                finally
                {
                    await release();
                }
            }

            public static async Task<int> AwaitForeachReturnsFromBody(IAsyncEnumerable<int> items, Func<Task> work)
            {
                await foreach (var item in items)
                {
                    await work();
                    if (item > 3)
                    {
                        return item;
                    }
                }

                return 0;
            }
        }
        """;

    private static readonly Lazy<CompiledStateMachines> Release = new(() => CompiledStateMachines.Compile(Source, OptimizationLevel.Release));

    public static TheoryData<string> Methods()
        => new() { "ScalarAsync", "ExecuteAsync", "UsingStatementReturnsLong", "FinallyAwaitsAroundReturn", "AwaitForeachReturnsFromBody" };

    [Theory]
    [MemberData(nameof(Methods))]
    public void The_bound_covers_the_estimate_and_the_runtime_size(string method)
    {
        var compiled = Release.Value;
        var machine = compiled.Machines.Single(m => m.MethodName == method);
        var function = compiled.FindFunction(machine);
        var model = compiled.Compilation.GetSemanticModel(function.SyntaxTree);
        var estimate = StateMachineEstimator.Estimate(function, model, OptimizationLevel.Release);
        var bound = StateMachineBound.Compute(function, model, CancellationToken.None);

        Assert.NotNull(estimate);
        Assert.NotNull(bound);
        var detail = $"estimated: {string.Join(", ", estimate.Fields)}\nruntime:   {machine.Describe()}";
        Assert.True(bound.MaxTotalBytes(OptimizationLevel.Release) >= estimate.TotalBytes, $"bound {bound.MaxTotalBytes(OptimizationLevel.Release)} < estimate {estimate.TotalBytes}\n{detail}");
        Assert.True(bound.MaxTotalBytes(OptimizationLevel.Release) >= machine.Bytes, $"bound {bound.MaxTotalBytes(OptimizationLevel.Release)} < runtime {machine.Bytes}\n{detail}");
        Assert.True(Math.Abs(estimate.TotalBytes - machine.Bytes) <= 0.10 * machine.Bytes, $"estimate {estimate.TotalBytes} vs runtime {machine.Bytes}\n{detail}");
    }

    [Fact]
    public void The_retry_helper_is_estimated_to_the_byte_with_both_return_values()
    {
        var compiled = Release.Value;
        var machine = compiled.Machines.Single(m => m.MethodName == "ScalarAsync");
        var function = compiled.FindFunction(machine);
        var estimate = StateMachineEstimator.Estimate(function, compiled.Compilation.GetSemanticModel(function.SyntaxTree), OptimizationLevel.Release);

        Assert.NotNull(estimate);
        Assert.Equal(136, machine.Bytes);
        Assert.Equal(machine.Bytes, estimate.TotalBytes);
        Assert.Equal(2, estimate.Fields.Count(f => f.Name == "pending return value"));
    }
}
