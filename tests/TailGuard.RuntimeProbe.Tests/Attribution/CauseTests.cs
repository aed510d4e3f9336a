using TailGuard.RuntimeProbe.Attribution;
using TailGuard.RuntimeProbe.Reporting;

namespace TailGuard.RuntimeProbe.Tests.Attribution;

public sealed class CauseTests
{
    [Fact]
    public void The_causes_are_single_flags_in_order_of_precedence()
    {
        Assert.Equal(Enum.GetValues<Cause>().Length - 1, CauseSet.Count);
        Assert.All(CauseSet.All.Select((cause, i) => (cause, i)), c => Assert.Equal((Cause)(1 << c.i), c.cause));
        Assert.Equal([Cause.GcPause, Cause.ThreadPoolStarvation, Cause.LockContention], CauseSet.All);
        Assert.Equal(CauseSet.Count, CauseSet.IndexOf(Cause.None));
    }

    [Fact]
    public void Every_cause_has_its_own_name_in_the_report()
    {
        var names = CauseSet.All.Append(Cause.None).Select(Causes.NameOf).ToList();

        Assert.Equal([Causes.GcPause, Causes.ThreadPoolStarvation, Causes.LockContention, Causes.Unexplained], names);
        Assert.Equal(["gcPause", "threadPoolStarvation", "lockContention", "unexplained"], names);
    }

    [Fact]
    public void A_combination_is_named_in_order_of_precedence_and_none_names_nothing()
    {
        Assert.Equal([Causes.GcPause, Causes.LockContention], Causes.NamesOf(Cause.LockContention | Cause.GcPause));
        Assert.Empty(Causes.NamesOf(Cause.None));
    }
}
