namespace TailGuard.Sizes;

/// <summary>Bad input for <c>sizes</c> (not a .NET assembly, a reference assembly, a missing dependency, a failed build): one line for the user.</summary>
public sealed class SizesException : Exception
{
    public SizesException(string message)
        : base(message)
    {
    }

    public SizesException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SizesException()
    {
    }
}
