using TailGuard.RuntimeProbe.Events;
using TailGuard.RuntimeProbe.Rules;

namespace TailGuard.RuntimeProbe.Tests.Analysis;

public sealed class BlockingSiteRulesTests
{
    // A .Result on a pool thread as EventPipe walks it, innermost first (null: native frames of the runtime's wait).
    private static readonly string?[] ResultStack =
    [
        null,
        "System.Threading.Monitor.Wait",
        "System.Threading.ManualResetEventSlim.Wait",
        "System.Threading.Tasks.Task.SpinThenBlockingWait",
        "System.Threading.Tasks.Task.InternalWaitCore",
        "System.Threading.Tasks.Task`1.GetResultCore",
        "Orders.Api.ReportService.LoadReport",
        "Program+<>c.<<Main>$>b__0_5",
        "Microsoft.AspNetCore.Routing.RequestDelegateFactory+<>c__DisplayClass.<HandleRequestBodyAndCompileRequestDelegate>b__0",
        "System.Threading.ThreadPoolWorkQueue.Dispatch",
        "System.Threading.PortableThreadPool+WorkerThread.WorkerThreadStart",
    ];

    [Fact]
    public void The_site_is_the_first_user_frame_and_the_call_is_the_outermost_blocking_api_below_it()
    {
        var site = BlockingSiteRules.Classify(ResultStack);

        Assert.Equal(("Orders.Api.ReportService.LoadReport", "Task<TResult>.Result"), site);
    }

    [Fact]
    public void An_inlined_get_Result_and_a_visible_one_are_the_same_call()
    {
        Assert.Equal("Task<TResult>.Result", BlockingSiteRules.ApiFor("System.Threading.Tasks.Task`1.get_Result"));
        Assert.Equal("Task<TResult>.Result", BlockingSiteRules.ApiFor("System.Threading.Tasks.Task`1.GetResultCore"));
        Assert.Equal("TG1001", BlockingSiteRules.RuleFor("Task<TResult>.Result"));
    }

    [Theory]
    [InlineData("System.Threading.Tasks.Task.Wait", "Task.Wait", "TG1001")]
    [InlineData("System.Runtime.CompilerServices.TaskAwaiter`1.GetResult", "GetAwaiter().GetResult()", "TG1001")]
    [InlineData("System.Threading.Tasks.Task.WaitAll", "Task.WaitAll", "TG1001")]
    [InlineData("System.Threading.SemaphoreSlim.Wait", "SemaphoreSlim.Wait", "TG1003")]
    [InlineData("System.Threading.ManualResetEventSlim.Wait", "ManualResetEventSlim.Wait", "TG1003")]
    [InlineData("System.Threading.Monitor.Wait", "Monitor.Wait", "TG1003")]
    [InlineData("System.Threading.WaitHandle.WaitOneNoCheck", "WaitHandle.WaitOne", "TG1003")]
    [InlineData("System.Threading.Thread.Sleep", "Thread.Sleep", "TG1002")]
    public void Each_blocking_api_maps_to_its_rule(string frame, string api, string rule)
    {
        var site = BlockingSiteRules.Classify([frame, "Shop.Checkout.Pay"]);

        Assert.Equal(("Shop.Checkout.Pay", api), site);
        Assert.Equal(rule, BlockingSiteRules.RuleFor(api));
    }

    [Fact]
    public void A_semaphore_wait_called_directly_is_not_reported_as_the_monitor_wait_it_ends_in()
    {
        var site = BlockingSiteRules.Classify(["System.Threading.Monitor.Wait", "System.Threading.SemaphoreSlim.Wait", null, "App.Cache.Get"]);

        Assert.Equal(("App.Cache.Get", "SemaphoreSlim.Wait"), site);
    }

    [Fact]
    public void Without_a_user_frame_the_blocking_api_is_the_site()
    {
        var site = BlockingSiteRules.Classify(["System.Threading.Monitor.Wait", "System.Threading.Tasks.Task.Wait", "System.Threading.ThreadPoolWorkQueue.Dispatch"]);

        Assert.Equal(("System.Threading.Tasks.Task.Wait", "Task.Wait"), site);
    }

    [Fact]
    public void A_stack_of_unresolved_frames_has_no_site()
    {
        Assert.Null(BlockingSiteRules.Classify([null, null, null]));
        Assert.Null(BlockingSiteRules.Classify(["System.Threading.LowLevelLock.Acquire", null]));
    }

    [Fact]
    public void The_report_sums_waits_per_site_and_links_the_rule()
    {
        var report = new EventSequence()
            .Add(new BlockingWait(10, 0, "App.Orders.Load", "Task<TResult>.Result", Count: 30))
            .Add(new BlockingWait(10, 0, "App.Orders.Load", "Task<TResult>.Result", Count: 12))
            .Add(new BlockingWait(10, 0, "App.Cache.Get", "SemaphoreSlim.Wait", Count: 5))
            .Add(new BlockingWait(10, 0, "App.Legacy.Run"))
            .Run(endMs: 100);

        Assert.Collection(report.BlockingSites,
            s => Assert.Equal(("App.Orders.Load", "Task<TResult>.Result", 42L, "TG1001"), (s.Frame, s.BlockingCall, s.Count, s.Rule)),
            s => Assert.Equal(("App.Cache.Get", "SemaphoreSlim.Wait", 5L, "TG1003"), (s.Frame, s.BlockingCall, s.Count, s.Rule)),
            s => Assert.Equal(("App.Legacy.Run", null, 1L, null), (s.Frame, s.BlockingCall, s.Count, s.Rule)));
    }
}
