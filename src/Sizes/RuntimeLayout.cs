using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;

namespace TailGuard.Sizes;

/// <summary>
/// What the running runtime gives a type, asked of the runtime itself rather than computed from a model:
/// <list type="bullet">
/// <item>a value type's size is <c>Unsafe.SizeOf&lt;T&gt;()</c>, reached through <c>MakeGenericMethod</c>;</item>
/// <item>a field's offset is the distance between the field's address (<c>ldflda</c>) and the start of the object's field
/// data, read on a real, uninitialised instance by a small dynamic method;</item>
/// <item>a class instance's size is the object header and method-table pointer, then the field data up to the end of its
/// last field, rounded up to a pointer, and never less than the runtime's minimum object (three pointers): what the GC
/// allocates for it.</item>
/// </list>
/// </summary>
public static class RuntimeLayout
{
    private static readonly MethodInfo SizeOfMethod = typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!;
    private static readonly FieldInfo RawDataField = typeof(RawData).GetField(nameof(RawData.Data))!;

    /// <summary>Object header (sync block index) plus method-table pointer.</summary>
    public static int ObjectHeaderBytes => 2 * IntPtr.Size;

    /// <summary>The smallest object the GC allocates: header, method table and one pointer-sized slot.</summary>
    public static int MinimumObjectBytes => 3 * IntPtr.Size;

    /// <summary><c>Unsafe.SizeOf</c> of a closed value type: the runtime's own size, padding included.</summary>
    public static int SizeOf(Type valueType)
    {
        ArgumentNullException.ThrowIfNull(valueType);
        return (int)SizeOfMethod.MakeGenericMethod(valueType).Invoke(null, null)!;
    }

    /// <summary>What a field of this type occupies: the value type's size, or one pointer for references.</summary>
    public static int FieldSize(Type fieldType)
    {
        ArgumentNullException.ThrowIfNull(fieldType);
        return fieldType.IsValueType && !fieldType.ContainsGenericParameters && !fieldType.IsByRefLike ? SizeOf(fieldType) : IntPtr.Size;
    }

    /// <summary>Every instance field of a closed type, its base classes' included, in declaration order from the root down.</summary>
    public static IReadOnlyList<FieldInfo> InstanceFields(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var chain = new Stack<Type>();
        for (var t = type; t is not null && t != typeof(object) && t != typeof(ValueType); t = t.BaseType)
        {
            chain.Push(t);
        }

        var fields = new List<FieldInfo>();
        foreach (var t in chain)
        {
            fields.AddRange(t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly));
        }

        return fields;
    }

    /// <summary>
    /// Offsets of the fields of a closed type from the start of its field data (for a class, the first byte after the
    /// method-table pointer; for a struct, its first byte).
    /// </summary>
    public static IReadOnlyDictionary<FieldInfo, int> FieldOffsets(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var instance = RuntimeHelpers.GetUninitializedObject(type);
        var offsets = new Dictionary<FieldInfo, int>();
        foreach (var field in InstanceFields(type))
        {
            offsets[field] = OffsetReader(type, field)(instance);
        }

        return offsets;
    }

    /// <summary>The bytes the GC allocates for one instance of a closed class (see the type's summary).</summary>
    public static int InstanceSize(Type classType)
    {
        ArgumentNullException.ThrowIfNull(classType);
        if (classType.IsValueType)
        {
            throw new ArgumentException($"{classType} is a value type.", nameof(classType));
        }

        var offsets = FieldOffsets(classType);
        var dataEnd = offsets.Count == 0 ? 0 : offsets.Max(pair => pair.Value + FieldSize(pair.Key.FieldType));
        return Math.Max(MinimumObjectBytes, Align(ObjectHeaderBytes + dataEnd, IntPtr.Size));
    }

    public static int Align(int value, int alignment) => (value + alignment - 1) / alignment * alignment;

    // (object o) => (int)(&o.field - &o.<first data byte>), with `unbox` first for a boxed struct. The dynamic method is
    // owned by the type it reads, so it may read its private fields and is collected with it.
    private static Func<object, int> OffsetReader(Type type, FieldInfo field)
    {
        var owner = type.IsValueType || type.IsArray || type.IsInterface ? typeof(RawData) : type;
        var method = new DynamicMethod("OffsetOf_" + field.Name, typeof(int), [typeof(object)], owner, skipVisibility: true);
        var il = method.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        if (type.IsValueType)
        {
            il.Emit(OpCodes.Unbox, type);
        }

        il.Emit(OpCodes.Ldflda, field);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldflda, RawDataField);
        il.Emit(OpCodes.Sub);
        il.Emit(OpCodes.Conv_I4);
        il.Emit(OpCodes.Ret);
        return method.CreateDelegate<Func<object, int>>();
    }

    // The shape of every object's data as seen from its reference: the first byte after the method-table pointer.
    private sealed class RawData
    {
#pragma warning disable CS0649 // Never assigned: only its address is taken.
        public byte Data;
#pragma warning restore CS0649
    }
}
