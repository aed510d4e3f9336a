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

    [Fact]
    public void A_result_whose_get_Result_and_GetResultCore_were_inlined_is_still_named_Task_Result()
    {
        var site = BlockingSiteRules.Classify(
        [
            "System.Threading.Monitor.Wait", "System.Threading.ManualResetEventSlim.Wait", "System.Threading.Tasks.Task.SpinThenBlockingWait",
            "System.Threading.Tasks.Task.InternalWaitCore", "Orders.Api.ReportService.LoadReport",
        ]);

        Assert.Equal(("Orders.Api.ReportService.LoadReport", "Task<TResult>.Result"), site);
    }

    [Fact]
    public void A_task_wait_keeps_its_own_name_above_the_internal_wait()
    {
        var site = BlockingSiteRules.Classify(["System.Threading.Tasks.Task.InternalWaitCore", "System.Threading.Tasks.Task.Wait", "App.Jobs.Run"]);

        Assert.Equal(("App.Jobs.Run", "Task.Wait"), site);
    }

    [Fact]
    public void An_inlined_GetAwaiter_GetResult_is_named_by_the_frame_it_always_keeps()
    {
        var site = BlockingSiteRules.Classify(
            ["System.Threading.Tasks.Task.InternalWaitCore", "System.Runtime.CompilerServices.TaskAwaiter.HandleNonSuccessAndDebuggerNotification", "App.Jobs.Run"]);

        Assert.Equal(("App.Jobs.Run", "GetAwaiter().GetResult()"), site);
    }

    [Fact]
    public void A_minimal_api_lambda_is_named_by_its_containing_method_and_the_generated_delegate_is_skipped()
    {
        var site = BlockingSiteRules.Classify(
        [
            "System.Threading.Tasks.Task`1.GetResultCore", "dynamicClass.lambda_method15", "Program+<>c.<<Main>$>b__0_1",
            "Microsoft.AspNetCore.Routing.EndpointMiddleware.Invoke",
        ]);

        Assert.Equal(("Program.Main: lambda", "Task<TResult>.Result"), site);
    }

    [Fact]
    public void A_method_inlined_into_a_generated_delegate_leaves_the_blocking_api_as_the_site_and_says_why()
    {
        var site = BlockingSiteRules.Classify(["System.Threading.Tasks.Task`1.GetResultCore", "dynamicClass.lambda_method15", "Microsoft.AspNetCore.Http.RequestDelegateFactory.Invoke"]);

        Assert.Equal(("System.Threading.Tasks.Task`1.GetResultCore", "Task<TResult>.Result"), site);
        Assert.Contains("inlined into generated code", BlockingSiteRules.WhyIncomplete(site!.Value.Frame, site.Value.BlockingCall, "TG1001"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_wait_in_a_framework_call_no_rule_covers_names_that_call_and_says_no_rule_covers_it()
    {
        var site = BlockingSiteRules.Classify(["System.Threading.LowLevelLock.Acquire", "System.Threading.LowLevelLock.WaitAndAcquire", "App.Cache.Fill"]);

        Assert.Equal(("App.Cache.Fill", "LowLevelLock.WaitAndAcquire"), site);
        Assert.Null(BlockingSiteRules.RuleFor(site!.Value.BlockingCall!));
        Assert.Equal("No TailGuard rule covers LowLevelLock.WaitAndAcquire.", BlockingSiteRules.WhyIncomplete(site.Value.Frame, site.Value.BlockingCall, null));
    }

    [Fact]
    public void A_site_whose_frames_below_it_are_native_says_why_it_has_no_call()
    {
        var site = BlockingSiteRules.Classify([null, null, "App.Native.Call"]);

        Assert.Equal(("App.Native.Call", (string?)null), site);
        Assert.Contains("native or unresolved", BlockingSiteRules.WhyIncomplete("App.Native.Call", null, null), StringComparison.Ordinal);
        Assert.Null(BlockingSiteRules.WhyIncomplete("App.Orders.Load", "Task<TResult>.Result", "TG1001"));
    }

    [Fact]
    public void Every_site_in_the_report_has_a_call_and_a_rule_or_a_note_saying_why_not()
    {
        var report = new EventSequence()
            .Add(new BlockingWait(10, 0, "App.Orders.Load", "Task<TResult>.Result", Count: 30))
            .Add(new BlockingWait(10, 0, "App.Legacy.Run"))
            .Add(new BlockingWait(10, 0, "App.Cache.Fill", "LowLevelLock.WaitAndAcquire", Count: 2))
            .Run(endMs: 100);

        Assert.All(report.BlockingSites, s => Assert.True(s.BlockingCall is not null && s.Rule is not null ? s.Note is null : s.Note is not null, s.Frame));
    }
}
