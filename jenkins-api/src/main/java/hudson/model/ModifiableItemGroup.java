package hudson.model;

/** Shape only: declared so that the stand-ins above it have their Jenkins supertypes or parameter types. */
public interface ModifiableItemGroup<T extends Item> extends ItemGroup<T> {
}
