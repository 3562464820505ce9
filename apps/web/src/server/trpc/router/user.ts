// People who sign in (admin only): list, create with a role and initial password, change role,
// remove. The fleet always keeps at least one admin.
import { z } from "zod";
import { db } from "@/server/db";
import { logger } from "@/server/logger";
import { changeUserRole, createUser, deleteUser, listUsers } from "../../admin/users";
import { ZChangeRoleInputSchema, ZCreateUserInputSchema, ZUserIdInputSchema, ZUserViewSchema } from "../../admin/admin.types";
import { adminProcedure, createTRPCRouter } from "../trpc";

export const userRouter = createTRPCRouter({
  list: adminProcedure
    .input(z.object({}).optional())
    .output(z.object({ users: z.array(ZUserViewSchema) }))
    .query(async () => ({ users: await listUsers(db()) })),

  create: adminProcedure
    .input(ZCreateUserInputSchema)
    .output(ZUserViewSchema)
    .mutation(async ({ ctx, input }) => {
      const user = await createUser(db(), input);
      logger().info({ requestId: ctx.requestId, userId: user.id, role: user.role, by: ctx.principal.label }, "user created");
      return user;
    }),

  setRole: adminProcedure
    .input(ZChangeRoleInputSchema)
    .output(ZUserViewSchema)
    .mutation(async ({ ctx, input }) => {
      const user = await changeUserRole(db(), input.id, input.role);
      logger().info({ requestId: ctx.requestId, userId: user.id, role: user.role, by: ctx.principal.label }, "user role changed");
      return user;
    }),

  remove: adminProcedure
    .input(ZUserIdInputSchema)
    .output(z.object({ removed: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await deleteUser(db(), input.id, ctx.principal.kind === "user" ? ctx.principal.id : null);
      logger().info({ requestId: ctx.requestId, userId: input.id, by: ctx.principal.label }, "user removed");
      return { removed: true as const };
    }),
});
