using System.Threading;
using Microsoft.CodeAnalysis;

namespace TailGuard.Analyzers;

/// <summary>
/// Answers "is this task known to have completed at this point?", so that reading its result does not block.
/// </summary>
/// <remarks>
/// <para>
/// The reasoning is a sound-leaning approximation on syntax and operations inside one function (method, local function,
/// lambda). A fact holds at a read when it <em>dominates</em> the read in that function: it sits in an earlier statement of a
/// block that encloses the read (and is evaluated unconditionally inside that statement), or in the condition of an
/// <c>if</c>/<c>?:</c>/<c>&amp;&amp;</c>/<c>||</c>/<c>while</c> whose branch holds the read. Facts never cross into or out of
/// a lambda or local function. Task completion is monotonic, so a fact stays true as long as the variable still names the
/// same task: any assignment to it after the fact, or anywhere inside a nested function, voids the fact.
/// </para>
/// <para>
/// Facts: <c>await t</c> (also through <c>ConfigureAwait</c>/<c>WaitAsync</c>); <c>await Task.WhenAll(..., t, ...)</c>, including a
/// collection variable whose elements are trivially visible (initializer, earlier unconditional <c>Add</c>) and every element of
/// an awaited collection (indexer, <c>foreach</c> variable); <c>t.Wait()</c>, <c>Task.WaitAll(..., t, ...)</c> and an earlier
/// blocking read of <c>t</c>; <c>Debug.Assert(t.IsCompleted)</c>; conditions on <c>IsCompleted</c>,
/// <c>IsCompletedSuccessfully</c>, <c>IsFaulted</c>, <c>IsCanceled</c>, <c>Status == TaskStatus.RanToCompletion</c> (also
/// <c>Faulted</c>/<c>Canceled</c>) or a bool-returning <c>t.Wait(timeout)</c>; an <c>if (!t.IsCompleted) { ... }</c> whose body
/// awaits <c>t</c> or leaves (return, throw, break, continue); a <c>while (!t.IsCompleted)</c> loop with no <c>break</c>; the antecedent parameter of a <c>ContinueWith</c> continuation;
/// <c>Task.FromResult</c>/<c>Task.CompletedTask</c>; a task returned by a call whose async flag (a <c>bool</c> parameter named <c>async</c>, <c>isAsync</c>, <c>useAsync</c>, ...,
/// as <see cref="DualSyncAsyncPath.IsAsyncFlagName"/> says) is the constant <c>false</c>
/// (the drivers' shared sync/async implementation), or the caller's own flag on the synchronous branch of a guard on it; the winner
/// of an awaited <c>Task.WhenAny</c> and <c>await Task.WhenAny(..., t, ...) == t</c>; and, inside a LINQ lambda, what holds for a
/// captured task where the lambda is written; a call of a helper of this compilation that returns only completed (cached) tasks
/// (<see cref="CachedCompletedTasks"/>).
/// </para>
/// <para>Known unsoundness, accepted: fields can be reassigned by other methods or threads; <c>goto</c> is ignored.</para>
/// <para>
/// The parts, each depending only on those before it: <see cref="AwaitableChain"/> and <see cref="TaskKey"/>;
/// <see cref="TaskMutations"/> and <see cref="TaskVariables"/> (which variable, still naming the same task?);
/// <see cref="TaskCollections"/>; the catalogue of facts, <see cref="CompletedTaskValues"/> (complete wherever read) and
/// <see cref="SynchronousPathCalls"/> (the dual sync/async path), <see cref="CompletionConditions"/> and
/// <see cref="CompletingOperations"/> (complete from a point on); <see cref="DominanceWalk"/> (where a fact reaches);
/// <see cref="QueryLambdaFacts"/> (into LINQ lambdas). <see cref="TaskWaits"/> knows the shapes of a wait and nothing of these.
/// </para>
/// </remarks>
public static class TaskCompletionFacts
{
    /// <summary>
    /// True when the task (or awaiter) produced by <paramref name="taskReference"/> is known to be complete where it is evaluated.
    /// Pass the receiver of <c>.Result</c>, <c>.Wait()</c> or <c>.GetResult()</c> (a <c>GetAwaiter()</c>/<c>ConfigureAwait</c> chain is
    /// unwrapped here).
    /// </summary>
    public static bool IsKnownComplete(IOperation? taskReference, WellKnownTypes types, CancellationToken cancellationToken)
    {
        if (taskReference?.SemanticModel is not { } model)
        {
            return false;
        }

        var task = AwaitableChain.Unwrap(taskReference, forAwait: false);
        if (CompletedTaskValues.IsTriviallyComplete(task, types) || SynchronousPathCalls.IsSynchronousPathCall(task, cancellationToken)
            || CachedCompletedTasks.IsCallOfCompletedTaskHelper(task, types, cancellationToken))
        {
            return true;
        }

        var function = AsyncContext.EnclosingFunction(taskReference.Syntax);
        if (function is null)
        {
            return false;
        }

        var variables = new TaskVariables(model, types, function, cancellationToken);
        var keys = variables.KeysFor(task);
        if (keys.Count == 0)
        {
            return false;
        }

        return CompletedTaskValues.IsContinuationAntecedent(variables, keys)
            || SynchronousPathCalls.IsSynchronousPathLocal(variables, keys)
            || CompletedTaskValues.IsWhenAnyWinnerLocal(variables, keys)
            || DominanceWalk.HoldsAt(variables, taskReference.Syntax, keys)
            || QueryLambdaFacts.IsElementOfCompletedSource(model, types, keys, cancellationToken)
            || QueryLambdaFacts.HoldsWhereLambdaIsWritten(model, types, function, keys, cancellationToken);
    }
}
