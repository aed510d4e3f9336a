using TailGuard.RuntimeProbe.Rules;

namespace TailGuard.RuntimeProbe.Tests.Rules;

public sealed class PoolHolderRulesTests
{
    private static readonly string?[] PoolBase =
    [
        "System.Threading.ThreadPoolWorkQueue.Dispatch",
        "System.Threading.PortableThreadPool+WorkerThread.WorkerThreadStart",
        "System.Threading.Thread.StartCallback",
    ];

    private static PoolHolderRules.Holder Classify(params string?[] innermostFirst) => PoolHolderRules.Classify([.. innermostFirst, .. PoolBase]);

    [Fact]
    public void A_sleeping_work_item_is_held_by_its_method_in_Thread_Sleep()
    {
        var holder = Classify(null, "System.Threading.Thread.SleepInternal", "System.Threading.Thread.Sleep", "Shop.Jobs.Run",
            "System.Threading.ExecutionContext.RunFromThreadPoolDispatchLoop");

        Assert.Equal(PoolHolderRules.StackKind.Busy, holder.Kind);
        Assert.Equal("Shop.Jobs.Run", holder.Site);
        Assert.Equal("Thread.Sleep", holder.Call);
        Assert.Equal(RuleIds.ThreadSleepInAsyncContext, PoolHolderRules.RuleFor(holder.Call));
    }

    [Theory]
    [InlineData("System.Net.Sockets.Socket.Receive", "Socket.Receive")]
    [InlineData("System.IO.FileStream.Read", "FileStream.Read")]
    [InlineData("System.Threading.Monitor.Enter", "Monitor.Enter")]
    [InlineData("System.Threading.Tasks.Task.Wait", "Task.Wait")]
    [InlineData("System.Threading.Tasks.Task`1.GetResultCore", "Task<TResult>.Result")]
    public void The_outermost_known_API_below_the_user_frame_is_the_call(string api, string expected)
    {
        var holder = Classify("Interop+Sys.Read", "System.Threading.LowLevelLock.Acquire", api, "Shop.Orders+<>c.<Load>b__3_0");

        Assert.Equal("Shop.Orders.Load: lambda", holder.Site);
        Assert.Equal(expected, holder.Call);
    }

    [Fact]
    public void A_running_loop_has_no_call_and_a_blocked_unknown_wait_names_its_framework_frame()
    {
        var holder = Classify("System.Diagnostics.Stopwatch.GetTimestamp", "Shop.Hash.Spin");

        Assert.Null(holder.CallFor(running: true));
        Assert.Equal("Stopwatch.GetTimestamp", holder.CallFor(running: false));
    }

    [Fact]
    public void An_idle_worker_and_a_thread_outside_the_pool_hold_nothing()
    {
        Assert.Equal(PoolHolderRules.StackKind.Idle, PoolHolderRules.Classify(
            ["System.Threading.LowLevelLifoSemaphore.WaitForSignal", "System.Threading.PortableThreadPool+WorkerThread.WorkerThreadStart"]).Kind);
        Assert.Equal(PoolHolderRules.StackKind.NotPool, PoolHolderRules.Classify(["System.Threading.Thread.Sleep", "Program.Main"]).Kind);
    }

    [Fact]
    public void Framework_only_work_is_busy_without_a_site()
    {
        var holder = Classify("Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http.HttpProtocol.ProcessRequests");

        Assert.Equal(PoolHolderRules.StackKind.Busy, holder.Kind);
        Assert.Null(holder.Site);
    }
}
