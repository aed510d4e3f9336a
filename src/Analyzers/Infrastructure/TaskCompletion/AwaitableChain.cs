using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// Sees through the wrappers around a task: <c>t.ConfigureAwait(false).GetAwaiter().GetResult()</c> and <c>(Task)t</c> wait on
/// the same task as <c>t.Wait()</c>, so every completion fact is about the operand underneath.
/// </summary>
internal static class AwaitableChain
{
    /// <summary>Strips conversions, parentheses, <c>GetAwaiter()</c>, <c>ConfigureAwait(...)</c>, <c>AsTask()</c> (and for awaits, <c>WaitAsync</c>).</summary>
    public static IOperation? Unwrap(IOperation? operation, bool forAwait)
    {
        while (true)
        {
            switch (operation)
            {
                case IConversionOperation conversion:
                    operation = conversion.Operand;
                    continue;
                case IParenthesizedOperation parenthesized:
                    operation = parenthesized.Operand;
                    continue;
                case IInvocationOperation { Instance: { } instance } invocation
                    when invocation.TargetMethod.Name is "GetAwaiter" or "ConfigureAwait" or "AsTask"
                        || (forAwait && invocation.TargetMethod.Name == "WaitAsync"):
                    operation = instance;
                    continue;
                default:
                    return operation;
            }
        }
    }
}
